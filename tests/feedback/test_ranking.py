"""The documented ranking: owner, then severity, then stream order, then derivation order."""

from __future__ import annotations

from pathlib import Path

from fixtures.feedback_bundles import BundleBuilder

from mimetic.contracts.feedback import FeedbackCandidate, FeedbackEvidence
from mimetic.feedback.ranking import ranked


def _candidate(cid: str, owner: str, severity: str, stream: str | None, next_state: str = "watch") -> FeedbackCandidate:
    return FeedbackCandidate(
        id=cid, run_id="live-feedback-01", stream_id=stream, adapter_id="app", scenario_id="s", persona_id="p",
        actor="unknown", substrate="unknown", failure_owner=owner, severity=severity, summary=cid, expected="e",
        actual="a", evidence=[FeedbackEvidence(path="run.json", kind="state", note="n")],
        idempotency_key=f"mimetic:live-feedback-01:{cid}", proposed_next_state=next_state, acceptance_proof=["x"])


def test_owner_beats_severity_which_beats_stream_order(project: Path) -> None:
    builder = BundleBuilder(project)
    for stream in ("lane-a", "lane-b"):
        builder.stream(stream)
    bundle = builder.bundle()
    candidates = [
        _candidate("actor-high", "actor", "high", "lane-a"),
        _candidate("unknown-high", "unknown", "high", "lane-a"),
        _candidate("harness-low", "harness", "low", "lane-a"),
        _candidate("env-medium", "environment", "medium", "lane-a"),
        _candidate("app-low-b", "target-app", "low", "lane-b"),
        _candidate("app-low-a", "target-app", "low", "lane-a"),
        _candidate("app-medium-unplaced", "target-app", "medium", None),
        _candidate("app-medium-b", "target-app", "medium", "lane-b"),
    ]
    assert [c.id for c in ranked(bundle, candidates)] == [
        "app-medium-b", "app-medium-unplaced", "app-low-a", "app-low-b", "env-medium", "harness-low",
        "actor-high", "unknown-high",
    ]


def test_ties_keep_the_stored_order(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("lane-a")
    first, second = _candidate("first", "actor", "low", "lane-a"), _candidate("second", "actor", "low", "lane-a")
    assert [c.id for c in ranked(builder.bundle(), [first, second])] == ["first", "second"]
    assert [c.id for c in ranked(builder.bundle(), [second, first])] == ["second", "first"]


def test_a_lanes_own_failure_ranks_above_setup_review_and_missing_key_notes(project: Path) -> None:
    builder = BundleBuilder(project)
    builder.stream("lane-a")
    candidates = [
        _candidate("ceremonial-setup", "actor", "low", "lane-a", "study-quality-review"),
        _candidate("setup-checks", "actor", "medium", "lane-a", "setup-quality-review"),
        _candidate("no-model-key", "environment", "low", "lane-a", "actor-auth"),
        _candidate("claim-refused", "unknown", "medium", "lane-a"),
    ]
    assert [c.id for c in ranked(builder.bundle(), candidates)][0] == "claim-refused"
