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
from typing import Any

from mimetic.bundle.store import RunStore, review_markdown
from mimetic.contracts.bundle import TERMINAL_STATUSES, RunBundle, Simulation, Stream
from mimetic.browser.steps import USABLE
from mimetic.contracts.evidence import ActorReport, Assertion, SandboxReceipt, StudyQuality, TraceStep
from mimetic.contracts.feedback import (
    ActorName, FailureOwner, FeedbackCandidate, FeedbackEvidence, NextState, SubstrateName,
)
from mimetic.feedback.evidence import EVIDENCE_KIND, StreamEvidence, existing_file, read_stream_evidence
from mimetic.feedback.ranking import SEVERITY_ORDER, ranked
from mimetic.feedback.signals import (
    APP_URL_BLOCKED, CLONE_FAILURE, CREDENTIALS_MISSING, DEPENDENCY_FAILURE, ERROR_LINE, KEY_MISSING, SANDBOX_FAILURE, TIMED_OUT,
    first_match, last_match, normalise, public_text,
)
from mimetic.safety.slugs import slug_token

MAX_CANDIDATES = 20
MAX_EVIDENCE = 8
PRODUCT_OWNERS = frozenset({"target-app", "actor"})
FAILED_LANE = frozenset({"failed", "blocked", "timed_out"})
NOT_A_CAUSE = frozenset({"setup-quality", "study-quality", "actor-run"})  # notes on a lane, not why it failed
APP_NOT_READY = frozenset({"failed", "missing", "blocked"})
EXPECTATION = {  # browser assertion kind -> how a maintainer reads the expectation
    "text": "The page shows \"{}\".", "selectorVisible": "{} is visible.", "urlIncludes": "The URL includes \"{}\".",
    "stateChanged": "The state changes: {}.", "rendered": "The page renders: {}.", "http": "The app answers with HTTP {}.",
}
AUTH_WORDS = ("auth", "api key", "401", "403", "quota", "credential", "unauthori")


@dataclass(frozen=True)
class EnvironmentFailure:
    """An environment failure the first matching log line reveals, and the candidate it becomes."""

    kind: str
    patterns: Any
    severity: str
    next_state: str
    summary: str  # after "<lane>: "
    expected: str
    quotes_line: bool  # the summary ends with the matching line
    logs: bool  # the lane's logs are the evidence
    rerun: bool  # rerunning the lane proves the fix


ENVIRONMENT_FAILURES = (
    EnvironmentFailure("clone-failed", CLONE_FAILURE, "high", "target-app-setup", "the repository could not be cloned",
                       "The lane clones the repository (anonymously for a public one) and checks it out.",
                       quotes_line=True, logs=True, rerun=True),
    EnvironmentFailure("dependency-install", DEPENDENCY_FAILURE, "high", "target-app-setup", "dependency install failed",
                       "Dependencies install with the package manager the lockfile names.",
                       quotes_line=True, logs=True, rerun=True),
    EnvironmentFailure("sandbox-launch", SANDBOX_FAILURE, "high", "watch", "the sandbox or browser did not launch",
                       "The lane's sandbox and browser start and stay connected for the whole scenario.",
                       quotes_line=False, logs=False, rerun=True),
    EnvironmentFailure("provider-credentials", CREDENTIALS_MISSING, "low", "actor-auth",
                       "the lane waited for provider credentials",
                       "The provider keys the lane needs are loaded (for example with --env-file).",
                       quotes_line=False, logs=False, rerun=False),
)


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

    def where(self, surface: str) -> str:
        """The lane's label, plus the viewport when the lane is not itself one (a lab lane's nested proof)."""
        return self.label if self.stream.kind == "browser" else f"{self.label} ({surface})"

    def rerun_proof(self, app_url: str | None = None) -> list[str]:
        if self.bundle.lab is not None:
            return [f"mimetic lab run {self.bundle.lab.id} --json"]
        app_url = app_url or (self.stream.completion.app_url if self.stream.completion else None)
        return [f"mimetic run --app-url {public_text(app_url, 200)} --json"] if app_url else []

    def candidate(self, kind: str, owner: FailureOwner, severity: str, next_state: NextState, *, summary: str,
                  expected: str, actual: str, evidence: list[FeedbackEvidence], proof: list[str],
                  kind_suffix: str = "") -> FeedbackCandidate:
        """`kind_suffix` tells apart candidates of one kind within a stream (a browser proof's viewports)."""
        run_id = self.bundle.run_id
        kind = f"{kind}-{kind_suffix}" if kind_suffix else kind
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
            summary=public_text(summary, 200),
            expected=public_text(expected, 600), actual=public_text(actual, 1200),
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
                auth = bool(KEY_MISSING.search(reason)) or any(word in reason.lower() for word in AUTH_WORDS)
                summary = f"{self.label}: the {report.kind} actor did not start ({report.status})" if not actor_ran(report) \
                    else f"{self.label}: the actor stopped ({report.status}) before finishing the scenario"
                yield self.candidate(
                    "actor-run", "actor", "medium", "actor-auth" if auth else "watch",
                    summary=summary,
                    expected="The actor works through the scenario and ends with a verdict.",
                    actual=reason,
                    evidence=[FeedbackEvidence(path=path, kind="log", note="Actor report (its status and reason)")],
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
        """One per viewport: its first failed step, the check that failed, and what the page threw meanwhile."""
        for path, trace in self.evidence.traces:
            numbered = [(number, step) for number, step in enumerate(trace.steps, start=1) if step.status == "failed"]
            if not numbered:
                continue
            number, step = numbered[0]
            assertions = [a for a in step.assertions if a.status == "failed"]
            expected = "; ".join(_expectation(a) for a in assertions) \
                or f"Step \"{step.label}\" succeeds."
            actual = " ".join(_step_actual(n, s, trace.surface) for n, s in numbered)
            evidence = [FeedbackEvidence(path=step.screenshot_path, kind="screenshot",
                                         note=f"Screenshot after step {number} \"{step.label}\" on {trace.surface}")] \
                if step.screenshot_path and existing_file(self.store, step.screenshot_path) is not None else []
            evidence.append(FeedbackEvidence(path=path, kind="trace", note=_trace_note(trace.surface, step)))
            yield self.candidate(
                "browser-step-failed", "target-app", "high", "watch",
                summary=f"{self.where(trace.surface)}: \"{step.label}\" failed - {_cause(step)}",
                expected=expected, actual=actual, evidence=evidence, proof=self.rerun_proof(trace.app_url),
                kind_suffix=trace.surface if len(self.evidence.traces) > 1 else "")

    def browser_proof_stopped(self) -> Iterator[FeedbackCandidate]:
        """A viewport that stopped without a failed check: mimetic ran out of time (harness), or the app did
        not answer (target-app)."""
        for path, trace in self.evidence.traces:
            if trace.status != "blocked" or any(step.status == "failed" for step in trace.steps):
                continue
            timed_out = bool(TIMED_OUT.search(trace.reason))
            owner: FailureOwner = "harness" if timed_out else "target-app"
            yield self.candidate(
                "browser-proof-stopped", owner, "medium" if timed_out else "high",
                "adapter-hardening" if timed_out else "target-app-setup",
                summary=f"{self.where(trace.surface)}: the browser proof stopped - {public_text(trace.reason, 140)}",
                expected="The app answers and every scenario step runs within the viewport's time budget.",
                actual=f"{trace.surface} viewport: {trace.reason}",
                evidence=[FeedbackEvidence(path=path, kind="trace",
                                           note=f"Trace of the {trace.surface} viewport: where it stopped and why")],
                proof=self.rerun_proof(trace.app_url), kind_suffix=trace.surface if len(self.evidence.traces) > 1 else "")

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
        # A browser trace tells what happened to the app (reached or not): its own candidates say it.
        if completion is None or completion.app_status not in APP_NOT_READY or environment_found or self.evidence.traces:
            return
        logs = [FeedbackEvidence(path=completion.app_log_path, kind="log", note="Log of the app's start command")] \
            if completion.app_log_path and existing_file(self.store, completion.app_log_path) else []
        reason = completion.app_reason or completion.reason
        error_line = last_match(ERROR_LINE, completion.log_tail or "")
        yield self.candidate(
            "app-not-ready", "target-app", "high", "target-app-setup",
            summary=f"{self.label}: the app never became ready ({completion.app_status}) - {public_text(reason, 120)}",
            expected="The app's dev server starts and answers on localhost so the lane can prove it in a browser.",
            actual=reason + (f" Last error line: {error_line}" if error_line and error_line not in reason else ""),
            evidence=logs or self.log_evidence(), proof=self.rerun_proof())

    # --- environment and unknown ----------------------------------------------------------------

    def log_evidence(self) -> list[FeedbackEvidence]:
        """The lane's log files that exist (install, start, lane log), named by what they hold."""
        return [item for item in self.evidence.base if item.kind == "log"]

    def environment(self) -> list[FeedbackCandidate]:
        completion = self.stream.completion
        if completion is None or (completion.status not in FAILED_LANE and completion.app_status not in APP_NOT_READY):
            return []
        # The tool's own lines (the log tail) first: they quote the error; the reason only summarises it.
        texts = [t for t in (completion.log_tail, completion.reason, completion.app_reason, completion.visual_reason) if t]
        found = []
        for failure in ENVIRONMENT_FAILURES:
            line = first_match(failure.patterns, texts)
            if line:
                found.append(self.candidate(
                    failure.kind, "environment", failure.severity, failure.next_state,
                    summary=f"{self.label}: {failure.summary}" + (f" - {line}" if failure.quotes_line else ""),
                    expected=failure.expected, actual=line, evidence=self.log_evidence() if failure.logs else [],
                    proof=["mimetic doctor --json", *(self.rerun_proof() if failure.rerun else [])]))
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
                 *self.browser_step_failed(), *self.browser_proof_stopped(), *self.product_finding(), *self.app_not_ready(bool(environment)),
                 *environment, *self.invalid_evidence()]
        if self.bundle.mode != "live":
            found = [c for c in found if c.failure_owner not in PRODUCT_OWNERS]
        # Setup-quality and actor notes do not say why a lane failed (a refused completion claim, say): its own
        # reason still becomes a candidate.
        explained = any(c.idempotency_key.rsplit(":", 1)[-1] not in NOT_A_CAUSE for c in found)
        return found if explained else [*found, *self.lane_outcome()]


def _expectation(assertion: Assertion) -> str:
    # An action that could not use its target states its own expectation ("#add can be used for click").
    if USABLE in assertion.expected:
        return f"{assertion.expected}."
    if assertion.kind == "selectorVisible" and assertion.expected.endswith(" visible"):  # "#x visible" as recorded
        return f"{assertion.expected.removesuffix(' visible')} is visible."
    return EXPECTATION[assertion.kind].format(assertion.expected)


def _cause(step: TraceStep) -> str:
    """The one thing a maintainer should read first: what the page threw, else what the failed check found."""
    if step.page_errors:
        return f"the page threw {step.page_errors[0]}"
    failed = next((a for a in step.assertions if a.status == "failed"), None)
    return failed.actual if failed else step.reason


def _step_actual(number: int, step: TraceStep, surface: str) -> str:
    checks = "; ".join(f"{a.kind} expected {a.expected!r}, got {a.actual!r}" for a in step.assertions
                       if a.status == "failed") or step.reason
    threw = f" The page threw during this step: {'; '.join(step.page_errors)}." if step.page_errors else ""
    return f"Step {number} \"{step.label}\" on {surface}: {checks}.{threw}"


def _trace_note(surface: str, step: TraceStep) -> str:
    said = f", with the error text \"{step.page_errors[0]}\"" if step.page_errors else ""
    return f"Trace of the {surface} viewport: every step, its checks and what the page logged{said}"


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


def actor_ran(report: ActorReport) -> bool:
    """An actor that took at least one step, or reached a verdict; one blocked before starting never ran."""
    return report.steps > 0 or report.verdict is not None or report.status not in ("blocked", "not_started")


def _actor(bundle: RunBundle, evidence: StreamEvidence) -> ActorName:
    """Who used the app in this lane: an AI actor only if it really ran (a draft never names one that did not)."""
    kinds = [report.kind for _, report in evidence.actors if report.kind != "none" and actor_ran(report)]
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
