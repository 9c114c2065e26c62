"""Feedback candidates derived from a run's evidence, one per (stream, kind), at most 20 per run.

Each kind names who owns the problem (upstream §3.9 owners):
  target-app  browser-step-failed, product-finding, app-not-ready, explorer (one per defect across lanes)
  environment dependency-install, sandbox-launch, provider-credentials
  harness     published-cli-app-url, invalid-evidence
  actor       setup-quality, study-quality, actor-run
  unknown     lane-outcome (a lane failed and nothing above explains why)
A dry-run observed no product, so it yields no target-app or actor candidates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from mimetic.bundle.store import RunStore, review_markdown
from mimetic.contracts.bundle import TERMINAL_STATUSES, RunBundle, Simulation, Stream
from mimetic.contracts.evidence import SandboxReceipt, StudyQuality
from mimetic.contracts.feedback import (
    ActorName, FailureOwner, FeedbackCandidate, FeedbackEvidence, NextState, SubstrateName,
)
from mimetic.feedback.evidence import EVIDENCE_KIND, StreamEvidence, existing_file, read_stream_evidence
from mimetic.feedback.ranking import SEVERITY_ORDER, ranked
from mimetic.feedback.signals import (
    APP_URL_BLOCKED, CREDENTIALS_MISSING, DEPENDENCY_FAILURE, SANDBOX_FAILURE, first_match, normalise,
    public_text,
)
from mimetic.safety.slugs import slug_token

MAX_CANDIDATES = 20
MAX_EVIDENCE = 8
PRODUCT_OWNERS = frozenset({"target-app", "actor"})
FAILED_LANE = frozenset({"failed", "blocked", "timed_out"})
APP_NOT_READY = frozenset({"failed", "missing", "blocked"})
EXPECTATION = {  # browser assertion kind -> how a maintainer reads the expectation
    "text": "The page shows \"{}\".", "selectorVisible": "{} is visible.", "urlIncludes": "The URL includes \"{}\".",
    "stateChanged": "The state changes: {}.", "rendered": "The page renders: {}.", "http": "The app answers with HTTP {}.",
}
AUTH_WORDS = ("auth", "api key", "401", "403", "quota", "credential", "unauthori")


def common_proof(run_id: str) -> list[str]:
    return [f"mimetic verify --run {run_id} --json", f"mimetic watch --run {run_id} --no-open"]


@dataclass
class Lane:
    """One stream with everything known about it; builds that stream's candidates."""

    store: RunStore
    bundle: RunBundle
    stream: Stream
    sim: Simulation | None
    evidence: StreamEvidence
    actor: ActorName
    substrate: SubstrateName

    @property
    def label(self) -> str:
        return public_text(self.stream.label or self.stream.id, 80)

    def rerun_proof(self, app_url: str | None = None) -> list[str]:
        if self.bundle.lab is not None:
            return [f"mimetic lab run {self.bundle.lab.id} --json"]
        app_url = app_url or (self.stream.completion.app_url if self.stream.completion else None)
        return [f"mimetic run --app-url {public_text(app_url, 200)} --json"] if app_url else []

    def candidate(self, kind: str, owner: FailureOwner, severity: str, next_state: NextState, *, summary: str,
                  expected: str, actual: str, evidence: list[FeedbackEvidence], proof: list[str]) -> FeedbackCandidate:
        run_id = self.bundle.run_id
        items: dict[str, FeedbackEvidence] = {}
        for item in [*evidence, *self.evidence.base]:
            items.setdefault(item.path, item)
        if not items:
            items["run.json"] = FeedbackEvidence(path="run.json", kind="state",
                                                 note="Run bundle holding this lane's completion record")
        return FeedbackCandidate(
            id=f"{kind}-{slug_token(self.stream.id)}", run_id=run_id, stream_id=self.stream.id,
            adapter_id=adapter_id(self.bundle),
            scenario_id=self.sim.scenario_id if self.sim else self.bundle.scenario.id,
            persona_id=self.sim.persona_id if self.sim else self.bundle.persona.id,
            actor=self.actor, substrate=self.substrate, failure_owner=owner, severity=severity,
            summary=public_text(summary, 200), expected=public_text(expected, 600), actual=public_text(actual, 1200),
            evidence=list(items.values())[:MAX_EVIDENCE], idempotency_key=f"mimetic:{run_id}:{self.stream.id}:{kind}",
            proposed_next_state=next_state, acceptance_proof=[*common_proof(run_id), *proof],
        )

    # --- actor -------------------------------------------------------------------------------

    def setup_quality(self) -> Iterator[FeedbackCandidate]:
        for path, report in self.evidence.setup_quality:
            failed = [check for check in report.checks if not check.ok]
            if failed:
                yield self.candidate(
                    "setup-quality", "actor", "medium", "setup-quality-review",
                    summary=f"{self.label}: Mimetic setup needs review",
                    expected="Every Mimetic setup check passes: config, personas, scenarios, package script and "
                             "runtime ignore are in place.",
                    actual="; ".join(f"{c.label or c.id}: {c.detail or 'failed'}" for c in failed),
                    evidence=[FeedbackEvidence(path=path, kind="filesystem", note="Setup-quality checks for this lane")],
                    proof=["mimetic doctor --json"])
                return

    def study_quality(self) -> Iterator[FeedbackCandidate]:
        for path, study in self._studies():
            if study.rating in ("none", "ceremonial"):
                yield self.candidate(
                    "study-quality", "actor", "medium" if study.rating == "none" else "low", "study-quality-review",
                    summary=f"{self.label}: Mimetic setup was {study.rating}",
                    expected="The lane customises coverage, personas and scenarios for this app and proves it with "
                             "`mimetic run --app-url` (study quality useful or high_leverage).",
                    actual=study.summary,
                    evidence=[FeedbackEvidence(path=path, kind="filesystem", note=f"Study-quality rating {study.rating}")],
                    proof=[f"mimetic review --run {self.bundle.run_id} --json"])
                return

    def actor_run(self) -> Iterator[FeedbackCandidate]:
        for path, report in self.evidence.actors:
            stopped = report.status in ("failed", "timed_out") or (report.status == "blocked" and report.verdict is None)
            if stopped and not any(f.owner == "product" for f in report.findings):
                reason = report.reason or f"The actor ended {report.status}."
                auth = any(word in reason.lower() for word in AUTH_WORDS)
                yield self.candidate(
                    "actor-run", "actor", "medium", "actor-auth" if auth else "watch",
                    summary=f"{self.label}: the actor stopped ({report.status}) before finishing the scenario",
                    expected="The actor works through the scenario and ends with a verdict.",
                    actual=reason,
                    evidence=[FeedbackEvidence(path=path, kind="log", note="Actor report")],
                    proof=self.rerun_proof())
                return

    # --- harness -------------------------------------------------------------------------------

    def app_url_blocked(self) -> Iterator[FeedbackCandidate]:
        excerpt = None
        for text in self.evidence.texts:
            match = APP_URL_BLOCKED.search(normalise(text))
            if match:
                excerpt = f"Actor evidence: \"{public_text(match.group(0), 300)}\""
                break
        if excerpt is None and any(s.signals.app_url_proof_blocked for _, s in self._studies()):
            excerpt = "The lane's study-quality signal appUrlProofBlocked is set."
        if excerpt is None:
            return
        setup = [FeedbackEvidence(path=path, kind="filesystem", note="Setup-quality record of the blocked lane")
                 for path, _ in self.evidence.setup_quality[:1]]
        yield self.candidate(
            "published-cli-app-url", "harness", "medium", "adapter-hardening",
            summary=f"{self.label}: the installed Mimetic CLI blocked app-url proof",
            expected="The Mimetic the lane installed offers `mimetic run --app-url <url>`, so the actor can prove "
                     "the app in a browser.",
            actual=excerpt, evidence=setup,
            proof=["python -m pip show mimetic-cli", "mimetic run --help | grep -- --app-url"])

    def invalid_evidence(self) -> Iterator[FeedbackCandidate]:
        if not self.evidence.problems:
            return
        present = [FeedbackEvidence(path=artifact.path, kind=EVIDENCE_KIND[artifact.kind], note=f"Invalid artifact: {problem}")
                   for artifact, problem in self.evidence.problems
                   if existing_file(self.store, artifact.path) is not None]
        yield self.candidate(
            "invalid-evidence", "harness", "medium", "adapter-hardening",
            summary=f"{self.label}: Mimetic recorded evidence that does not hold up",
            expected="Every artifact the bundle lists exists inside the run and matches its contract.",
            actual="; ".join(f"{artifact.path}: {problem}" for artifact, problem in self.evidence.problems),
            evidence=[*present, FeedbackEvidence(path="run.json", kind="state", note="Run bundle listing the artifacts")],
            proof=[])

    # --- target-app ----------------------------------------------------------------------------

    def browser_step_failed(self) -> Iterator[FeedbackCandidate]:
        failures = [(path, trace, step) for path, trace in self.evidence.traces for step in trace.steps
                    if step.status == "failed"]
        if not failures:
            return
        path, trace, step = failures[0]
        assertions = [a for a in step.assertions if a.status == "failed"]
        expected = "; ".join(EXPECTATION[a.kind].format(a.expected) for a in assertions) \
            or f"Step \"{step.label}\" succeeds."
        actual = "; ".join(
            f"{s.label} ({t.surface}): " + ("; ".join(f"{a.kind} expected {a.expected!r}, got {a.actual!r}"
                                                      for a in s.assertions if a.status == "failed") or s.reason)
            for _, t, s in failures)
        shots = [FeedbackEvidence(path=shot, kind="screenshot", note=f"Screenshot of {t.surface} after the step")
                 for _, t, s in failures[:1] for shot in (s.screenshot_path, t.screenshot_path)
                 if shot and existing_file(self.store, shot) is not None]
        yield self.candidate(
            "browser-step-failed", "target-app", "high", "watch",
            summary=f"{self.label}: step \"{step.label}\" failed on {trace.surface}",
            expected=expected, actual=actual,
            evidence=[FeedbackEvidence(path=path, kind="trace", note=f"Browser trace ({trace.surface})"), *shots],
            proof=self.rerun_proof(trace.app_url))

    def product_finding(self) -> Iterator[FeedbackCandidate]:
        findings = [(path, f) for path, report in self.evidence.actors if report.exploration is None  # see explorer_findings
                    for f in report.findings if f.owner == "product"]
        if not findings:
            return
        findings.sort(key=lambda item: SEVERITY_ORDER.index(item[1].severity))
        strongest = findings[0][1]
        transcripts = [FeedbackEvidence(path=r.transcript_path, kind="log", note="Actor transcript")
                       for _, r in self.evidence.actors
                       if r.transcript_path and existing_file(self.store, r.transcript_path) is not None]
        yield self.candidate(
            "product-finding", "target-app", strongest.severity, "watch",
            summary=f"{self.label}: {strongest.observed}",
            expected=strongest.expected or "The scenario goal can be reached without the problem the actor observed.",
            actual="; ".join(f"[{f.severity}] {f.observed}" + (f" (at {f.where})" if f.where else "")
                             for _, f in findings),
            evidence=[FeedbackEvidence(path=findings[0][0], kind="log",
                                       note=f"Actor report with {len(findings)} product finding(s)"), *transcripts],
            proof=self.rerun_proof())

    def app_not_ready(self, environment_found: bool) -> Iterator[FeedbackCandidate]:
        completion = self.stream.completion
        if completion is None or completion.app_status not in APP_NOT_READY or environment_found:
            return
        logs = [FeedbackEvidence(path=completion.app_log_path, kind="log", note="App log")] \
            if completion.app_log_path and existing_file(self.store, completion.app_log_path) else []
        yield self.candidate(
            "app-not-ready", "target-app", "high", "target-app-setup",
            summary=f"{self.label}: the app never became ready ({completion.app_status})",
            expected="The app's dev server starts and answers on localhost so the lane can prove it in a browser.",
            actual=completion.app_reason or completion.reason, evidence=logs, proof=self.rerun_proof())

    # --- environment and unknown ----------------------------------------------------------------

    def environment(self) -> list[FeedbackCandidate]:
        completion = self.stream.completion
        if completion is None or (completion.status not in FAILED_LANE and completion.app_status not in APP_NOT_READY):
            return []
        texts = [t for t in (completion.reason, completion.log_tail, completion.app_reason, completion.visual_reason) if t]
        found = []
        line = first_match(DEPENDENCY_FAILURE, texts)
        if line:
            found.append(self.candidate(
                "dependency-install", "environment", "high", "target-app-setup",
                summary=f"{self.label}: dependency install failed",
                expected="Dependencies install with the package manager the lockfile names.",
                actual=line, evidence=[], proof=["mimetic doctor --json", *self.rerun_proof()]))
        line = first_match(SANDBOX_FAILURE, texts)
        if line:
            found.append(self.candidate(
                "sandbox-launch", "environment", "high", "watch",
                summary=f"{self.label}: the sandbox or browser did not launch",
                expected="The lane's sandbox and browser start and stay connected for the whole scenario.",
                actual=line, evidence=[], proof=["mimetic doctor --json", *self.rerun_proof()]))
        line = first_match(CREDENTIALS_MISSING, texts)
        if line:
            found.append(self.candidate(
                "provider-credentials", "environment", "low", "actor-auth",
                summary=f"{self.label}: the lane waited for provider credentials",
                expected="The provider keys the lane needs are loaded (for example with --env-file).",
                actual=line, evidence=[], proof=["mimetic doctor --json"]))
        return found

    def lane_outcome(self) -> Iterator[FeedbackCandidate]:
        completion = self.stream.completion
        if completion is not None and completion.status in FAILED_LANE:
            yield self.candidate(
                "lane-outcome", "unknown", "low" if completion.status == "timed_out" else "medium", "watch",
                summary=f"{self.label}: the lane ended {completion.status}",
                expected="The lane finishes its scenario with evidence that explains the outcome.",
                actual=completion.reason, evidence=[], proof=self.rerun_proof())

    # ---------------------------------------------------------------------------------------------

    def _studies(self) -> list[tuple[str, StudyQuality]]:
        return [(path, report.study_quality) for path, report in self.evidence.setup_quality if report.study_quality]

    def candidates(self) -> list[FeedbackCandidate]:
        environment = self.environment()
        found = [*self.setup_quality(), *self.app_url_blocked(), *self.study_quality(), *self.actor_run(),
                 *self.browser_step_failed(), *self.product_finding(), *self.app_not_ready(bool(environment)),
                 *environment, *self.invalid_evidence()]
        if self.bundle.mode != "live":
            found = [c for c in found if c.failure_owner not in PRODUCT_OWNERS]
        return found or [*self.lane_outcome()]


def adapter_id(bundle: RunBundle) -> str:
    if bundle.lab is not None:
        return bundle.lab.id
    return bundle.source.package_name or "synthetic-app"


def _receipt_substrates(store: RunStore) -> dict[str, str]:
    """stream id -> substrate from `sandbox-receipts.ndjson`, the explicit record of where a lane ran."""
    path = store.dir / "sandbox-receipts.ndjson"
    found: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                receipt = SandboxReceipt.model_validate(json.loads(line))
            except ValueError:
                continue
            found.setdefault(receipt.stream_id, receipt.substrate)
    return found


def _substrate(bundle: RunBundle, stream: Stream, evidence: StreamEvidence, receipts: dict[str, str]) -> SubstrateName:
    where = receipts.get(stream.id)
    if where == "e2b" or (stream.ui and (stream.ui.route or "").startswith("e2b://")):
        return "e2b-desktop"
    if where == "local" or evidence.traces:
        return "local-browser"
    return "local-filesystem" if bundle.mode == "dry-run" else "unknown"


def _actor(bundle: RunBundle, evidence: StreamEvidence) -> ActorName:
    kinds = [report.kind for _, report in evidence.actors if report.kind != "none"]
    if kinds:
        return kinds[0]
    if evidence.traces:
        return "scripted-browser"
    return "synthetic-dry-run" if bundle.mode == "dry-run" else "unknown"


def derive_candidates(store: RunStore, bundle: RunBundle) -> list[FeedbackCandidate]:
    """Every candidate the run's evidence supports, in stream order (not yet capped)."""
    sims = {sim.id: sim for sim in bundle.simulations}
    receipts = _receipt_substrates(store)
    from mimetic.feedback.explorer_findings import explorer_candidates

    found: list[FeedbackCandidate] = []
    lanes = []
    for stream in bundle.streams:
        evidence = read_stream_evidence(store, stream)
        lane = Lane(store=store, bundle=bundle, stream=stream, sim=sims.get(stream.sim_id), evidence=evidence,
                    actor=_actor(bundle, evidence), substrate=_substrate(bundle, stream, evidence, receipts))
        lanes.append(lane)
        found += lane.candidates()
    return found + (explorer_candidates(lanes) if bundle.mode == "live" else [])


def merge_candidates(bundle: RunBundle, derived: list[FeedbackCandidate]) -> list[FeedbackCandidate]:
    """Re-derived candidates replace stored ones with the same id; others (from producers) are kept.

    A candidate whose evidence later disappears stays listed, so `feedback verify` can reject it.
    Over the cap, the weakest by the ranking are dropped; the stored order is kept.
    """
    fresh = {candidate.id: candidate for candidate in derived}
    merged = [fresh.pop(candidate.id, candidate) for candidate in bundle.feedback_candidates]
    merged += [candidate for candidate in derived if candidate.id in fresh]
    if len(merged) > MAX_CANDIDATES:
        keep = {id(candidate) for candidate in ranked(bundle, merged)[:MAX_CANDIDATES]}
        merged = [candidate for candidate in merged if id(candidate) in keep]
    return merged


def sync_candidates(store: RunStore, bundle: RunBundle) -> RunBundle:
    """Derive, merge, and store the candidates in run.json when they changed (so reruns write nothing)."""
    merged = merge_candidates(bundle, derive_candidates(store, bundle))
    if [c.to_json() for c in merged] == [c.to_json() for c in bundle.feedback_candidates]:
        return bundle
    updated = bundle.model_copy(update={"feedback_candidates": merged})
    if any(sim.status not in TERMINAL_STATUSES for sim in bundle.simulations):
        return updated  # lanes are still writing run.json; never race their writer, derive in memory only
    # Keep the producer's review.md (labs add sections such as "Assigned Repos"); only a run without
    # one gets the standard rendering.
    review = store.dir / "review.md"
    markdown = review.read_text(encoding="utf-8") if review.is_file() else review_markdown(updated)
    store.write_bundle(updated, markdown=markdown)
    return updated
