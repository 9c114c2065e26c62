"""Candidate derivation: which evidence becomes which owner's candidate, and how it is stored."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from fixtures.feedback_bundles import BundleBuilder, acceptance_two, failed_completion

from mimetic.bundle.verify import verify_store
from mimetic.contracts.evidence import Finding
from mimetic.feedback.candidates import MAX_CANDIDATES, derive_candidates, sync_candidates
from mimetic.feedback.signals import app_url_proof_blocked


def _derive(builder: BundleBuilder):
    store = builder.write()
    return store, derive_candidates(store, store.load_bundle())


def test_acceptance_bundle_yields_actor_harness_actor_and_target_app_candidates(project: Path) -> None:
    store, candidates = _derive(acceptance_two(project))
    assert [(c.id, c.failure_owner) for c in candidates] == [
        ("setup-quality-oss-01-desktop", "actor"),
        ("published-cli-app-url-oss-01-desktop", "harness"),
        ("study-quality-oss-01-desktop", "actor"),
        ("browser-step-failed-browser-desktop", "target-app"),
    ]
    setup, blocked, study, step = candidates
    assert setup.proposed_next_state == "setup-quality-review"
    assert "personas customized: Only the starter personas exist." in setup.actual
    assert blocked.proposed_next_state == "adapter-hardening"
    assert "mimetic run --help | grep -- --app-url" in blocked.acceptance_proof
    assert study.proposed_next_state == "study-quality-review" and "ceremonial" in study.summary
    assert step.severity == "high" and "'Buy milk'" in step.actual and "(empty list)" in step.actual
    assert step.substrate == "local-browser" and setup.substrate == "e2b-desktop"


def test_every_candidate_has_a_stable_key_contained_existing_evidence_and_proof_commands(project: Path) -> None:
    store, candidates = _derive(acceptance_two(project))
    for candidate in candidates:
        kind = candidate.id.removesuffix(f"-{candidate.stream_id}")
        assert candidate.idempotency_key == f"mimetic:{store.run_id}:{candidate.stream_id}:{kind}"
        assert f"mimetic verify --run {store.run_id} --json" in candidate.acceptance_proof
        assert f"mimetic watch --run {store.run_id} --no-open" in candidate.acceptance_proof
        for item in candidate.evidence:
            pure = PurePosixPath(item.path)
            assert not pure.is_absolute() and ".." not in pure.parts
            assert (store.dir / item.path).is_file()
    # Derivation is a pure function of the evidence.
    assert [c.to_json() for c in candidates] == [c.to_json() for c in derive_candidates(store, store.load_bundle())]


def test_product_finding_on_a_live_bundle_becomes_a_target_app_candidate(project: Path) -> None:
    builder = BundleBuilder(project)
    lane = builder.stream("cua-01-desktop", label="Actor lane 1")
    builder.actor(lane, [Finding(observed="Sign-up button does nothing", where="/signup", severity="high",
                                 expected="Sign-up opens the form."),
                         Finding(observed="I clicked the wrong tab", owner="actor", severity="low")])
    _, candidates = _derive(builder)
    assert [(c.id, c.failure_owner, c.severity) for c in candidates] == [
        ("product-finding-cua-01-desktop", "target-app", "high")]
    finding = candidates[0]
    assert finding.expected == "Sign-up opens the form."
    assert "Sign-up button does nothing (at /signup)" in finding.actual
    assert "wrong tab" not in finding.actual  # the actor's own clumsiness is not a product claim
    assert finding.actor == "openai-cua"
    assert finding.evidence[0].path == "actors/cua-01-desktop.json"


def test_a_stopped_actor_without_product_findings_is_an_actor_candidate(project: Path) -> None:
    builder = BundleBuilder(project)
    lane = builder.stream("cua-01-desktop")
    builder.actor(lane, [], status="failed", reason="OpenAI returned 401: invalid API key")
    _, candidates = _derive(builder)
    assert [(c.failure_owner, c.proposed_next_state) for c in candidates] == [("actor", "actor-auth")]


def test_app_that_never_became_ready_is_a_target_app_candidate(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("oss-01-desktop", status="failed", completion=failed_completion(
        "App did not answer on localhost within 120 s.", app_status="failed", app_reason="dev server exited with code 1"))
    _, candidates = _derive(builder)
    assert [(c.id, c.failure_owner, c.proposed_next_state) for c in candidates] == [
        ("app-not-ready-oss-01-desktop", "target-app", "target-app-setup")]
    assert candidates[0].actual == "dev server exited with code 1"


def test_dependency_install_failure_is_environment_not_the_app(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("oss-01-desktop", status="failed", completion=failed_completion(
        "Bootstrap failed.", app_status="missing",
        log_tail="$ npm install\nnpm ERR! code ERESOLVE\nnpm ERR! Could not resolve dependency: /home/dev/app/x\n"))
    _, candidates = _derive(builder)
    assert [(c.id, c.failure_owner) for c in candidates] == [("dependency-install-oss-01-desktop", "environment")]
    assert "npm ERR!" in candidates[0].actual
    assert "/home/" not in candidates[0].actual  # local paths never reach candidate text


def test_sandbox_launch_failure_is_an_environment_candidate(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("oss-01-desktop", status="failed", completion=failed_completion(
        "E2B sandbox creation failed: timed out after 60 s", app_status="not_started"))
    _, candidates = _derive(builder)
    assert [(c.id, c.failure_owner, c.severity) for c in candidates] == [
        ("sandbox-launch-oss-01-desktop", "environment", "high")]


def test_unexplained_failed_lane_is_an_unknown_candidate(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("oss-01-desktop", status="failed", completion=failed_completion("Lane exited with code 3."))
    _, candidates = _derive(builder)
    assert [(c.failure_owner, c.actual) for c in candidates] == [("unknown", "Lane exited with code 3.")]
    assert [e.path for e in candidates[0].evidence] == ["run.json"]


def test_a_failed_lane_with_only_setup_notes_still_gets_a_candidate_quoting_its_reason(project: Path) -> None:
    builder = BundleBuilder(project)
    reason = ("Refused completion: the app answered on loopback port 3000, not on 39795, the port the host gave "
              "this lane ($PORT); the host only trusts its own port.")
    stream = builder.stream("oss-01-desktop", status="failed", completion=failed_completion(reason))
    builder.setup_quality(stream, rating="ceremonial")
    _, candidates = _derive(builder)
    assert [c.idempotency_key.rsplit(":", 1)[-1] for c in candidates] == ["study-quality", "lane-outcome"]
    assert candidates[-1].actual == reason and candidates[-1].failure_owner == "unknown"


def test_missing_and_malformed_evidence_become_harness_candidates_not_crashes(project: Path) -> None:
    builder = BundleBuilder(project)
    missing = builder.stream("oss-01-desktop")
    builder.setup_quality(missing, failed=(("config", "absent"),), write=False)
    malformed = builder.stream("browser-desktop")
    builder.trace(malformed)
    store = builder.write()
    (store.dir / "traces/desktop.json").write_text('{"schema": "mimetic.browser-surface-trace.v1"}', encoding="utf-8")
    candidates = derive_candidates(store, store.load_bundle())
    assert [(c.id, c.failure_owner) for c in candidates] == [
        ("invalid-evidence-oss-01-desktop", "harness"), ("invalid-evidence-browser-desktop", "harness")]
    assert "setup-quality/oss-01-desktop-setup-quality.json: missing" in candidates[0].actual
    assert [e.path for e in candidates[0].evidence] == ["run.json"]  # a missing file is never cited
    assert "not a valid mimetic.browser-surface-trace.v1" in candidates[1].actual
    assert "traces/desktop.json" in [e.path for e in candidates[1].evidence]


def test_dry_run_bundle_yields_no_product_claims(project: Path) -> None:
    builder = acceptance_two(project)
    builder.mode = "dry-run"
    _, candidates = _derive(builder)
    assert {c.failure_owner for c in candidates} == {"harness"}


def test_at_most_twenty_candidates_are_stored_keeping_the_strongest(project: Path) -> None:
    builder = BundleBuilder(project)
    for index in range(25):
        builder.stream(f"lane-{index:02d}", status="failed", completion=failed_completion("Lane exited with code 3."))
    surface = builder.stream("browser-desktop")
    builder.trace(surface)
    store = builder.write()
    bundle = sync_candidates(store, store.load_bundle())
    assert len(bundle.feedback_candidates) == MAX_CANDIDATES
    assert "browser-step-failed-browser-desktop" in {c.id for c in bundle.feedback_candidates}


def test_sync_stores_candidates_in_the_bundle_once_and_the_bundle_still_verifies(project: Path) -> None:
    store = acceptance_two(project).write()
    bundle = sync_candidates(store, store.load_bundle())
    stored = json.loads((store.dir / "run.json").read_text(encoding="utf-8"))["feedbackCandidates"]
    assert [c["id"] for c in stored] == [c.id for c in bundle.feedback_candidates]
    assert stored[0]["schema"] == "mimetic.feedback-candidate.v1" and "failure_owner" in stored[0]
    before = (store.dir / "run.json").stat().st_mtime_ns
    sync_candidates(store, store.load_bundle())
    assert (store.dir / "run.json").stat().st_mtime_ns == before
    assert verify_store(store.project, store, "latest").ok


def test_app_url_blocker_detection_tolerates_markdown_and_either_order() -> None:
    assert app_url_proof_blocked(["`mimetic run --app-url` does **not** expose the option"])
    assert app_url_proof_blocked(["error: unknown option '--app-url'"])
    assert app_url_proof_blocked(["The app-url proof path didn't accept my URL"])
    assert not app_url_proof_blocked(["mimetic run --app-url http://localhost:3000 passed on desktop and mobile"])
    assert not app_url_proof_blocked(["unknown option " + "x" * 300 + " --app-url"])


def test_lane_waiting_for_provider_keys_is_environment_not_the_app(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("oss-01-desktop", status="blocked", completion=failed_completion(
        "Waiting for E2B_API_KEY before launching repo-01.", status="blocked", app_status="blocked"))
    _, candidates = _derive(builder)
    assert [(c.id, c.failure_owner, c.severity, c.proposed_next_state) for c in candidates] == [
        ("provider-credentials-oss-01-desktop", "environment", "low", "actor-auth")]


def test_a_run_still_in_progress_is_not_rewritten(project: Path) -> None:
    builder = acceptance_two(project)
    builder.stream("oss-02-desktop", status="running")
    store = builder.write()
    before = (store.dir / "run.json").read_bytes()
    bundle = sync_candidates(store, store.load_bundle())
    assert len(bundle.feedback_candidates) == 4
    assert (store.dir / "run.json").read_bytes() == before


# --- issue 12 / 17: real failures, named causes -------------------------------------------------


def _stopped_trace(builder: BundleBuilder, stream, reason: str) -> None:
    from mimetic.contracts.evidence import BrowserTrace, TraceStep, TraceViewport

    trace = BrowserTrace(captured_at="2026-01-31T00:00:00Z", app_url="http://127.0.0.1:5173/", surface="mobile",
                         viewport=TraceViewport(width=390, height=844), browser="chromium", duration_ms=10, ok=False,
                         status="blocked", reason=reason, scenario_id="s",
                         steps=[TraceStep(id="open", label="Open", action="goto", status="blocked", reason=reason)])
    builder.store.write_json("traces/mobile.json", trace.to_json())
    builder._attach(stream, "Browser trace (mobile)", "traces/mobile.json", "trace")


def test_a_proof_that_ran_out_of_time_is_the_harness_and_an_app_that_refused_is_the_app(project: Path) -> None:
    for reason, owner in (("http://127.0.0.1:5173/ did not finish loading within 15000 ms.", "harness"),
                          ("Could not connect to http://127.0.0.1:5173/: connection refused (is the app running?).",
                           "target-app")):
        builder = BundleBuilder(project, run_id=f"live-{owner}")
        stream = builder.stream("browser-mobile-stream", status="blocked",
                                completion=failed_completion(reason, status="blocked", app_status="blocked"))
        _stopped_trace(builder, stream, reason)
        _, candidates = _derive(builder)
        # One candidate from the trace; the lane's blocked app status is not told twice as app-not-ready.
        assert [(c.id, c.failure_owner) for c in candidates] == [("browser-proof-stopped-browser-mobile-stream", owner)]
        assert reason.rstrip(".") in candidates[0].actual


def test_a_clone_failure_is_an_environment_candidate_quoting_gits_line(project: Path) -> None:
    builder = BundleBuilder(project)
    tail = ("Cloning into 'repo'...\nfatal: could not read from remote repository: missing blob 3f2a\n"
            "lane: clone failed, exit 128")
    builder.stream("oss-01-desktop", label="oss-01 maciekt07/TodoApp", status="blocked",
                   completion=failed_completion("Clone failed.", status="blocked", log_tail=tail, app_status="not_started"))
    _, candidates = _derive(builder)
    clone = [c for c in candidates if c.id.startswith("clone-failed")]
    assert clone and clone[0].failure_owner == "environment"
    assert clone[0].actual == "fatal: could not read from remote repository: missing blob 3f2a"
    assert "maciekt07/TodoApp" in clone[0].summary


def test_an_actor_blocked_before_its_first_step_is_never_named_and_ranks_after_real_failures(project: Path) -> None:
    from mimetic.feedback.ranking import ranked

    builder = BundleBuilder(project)
    stream = builder.stream("browser-desktop", status="failed")
    builder.actor(stream, [], status="blocked",
                  reason="OPENAI_API_KEY is not set, so the openai-cua actor did not start (no OpenAI call was made).")
    builder.trace(stream)
    store, candidates = _derive(builder)
    assert {c.actor for c in candidates} == {"scripted-browser"}
    order = [(c.id, c.proposed_next_state) for c in ranked(store.load_bundle(), candidates)]
    assert order == [("browser-step-failed-browser-desktop", "watch"), ("actor-run-browser-desktop", "actor-auth")]
    actor = next(c for c in candidates if c.id == "actor-run-browser-desktop")
    assert actor.summary == "browser-desktop: the openai-cua actor did not start (blocked)"


def test_expectations_read_as_sentences(project: Path) -> None:
    from mimetic.contracts.evidence import Assertion
    from mimetic.feedback.candidates import _expectation

    def said(kind: str, expected: str) -> str:
        return _expectation(Assertion(kind=kind, expected=expected, actual="", status="failed"))

    assert said("selectorVisible", "#new-todo visible") == "#new-todo is visible."
    assert said("selectorVisible", "#add can be used for click") == "#add can be used for click."
    assert said("text", "Buy milk") == 'The page shows "Buy milk".'
