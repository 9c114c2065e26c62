"""Draft gates: each problem is named (field, path or rule) and never quotes a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.feedback_bundles import acceptance_two

from mimetic.contracts.feedback import FeedbackEvidence
from mimetic.feedback.candidates import derive_candidates
from mimetic.feedback.draft import draft_from_candidate, fallback_draft
from mimetic.feedback.gates import draft_problems
from mimetic.safety import redact

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2"


@pytest.fixture
def setup(project: Path):
    store = acceptance_two(project).write()
    bundle = store.load_bundle()
    candidates = {c.failure_owner + ":" + c.id.split("-")[0]: c for c in derive_candidates(store, bundle)}
    draft = draft_from_candidate(store, candidates["target-app:browser"])
    return store, bundle, draft


def test_a_draft_from_derived_evidence_passes_every_gate(setup) -> None:
    store, bundle, draft = setup
    assert draft_problems(store, bundle, draft) == []
    assert draft_problems(store, bundle, fallback_draft(store, bundle)) == []


def test_secret_in_a_text_field_names_the_field_and_rule_never_the_value(setup) -> None:
    store, bundle, draft = setup
    problems = draft_problems(store, bundle, draft.model_copy(update={"actual": f"token was {TOKEN}"}))
    assert len(problems) == 1 and problems[0].startswith("field actual fails the redaction scan")
    assert TOKEN not in problems[0]


def test_known_secret_value_without_a_pattern_is_caught(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    store, bundle, draft = setup
    monkeypatch.setattr(redact, "_known_values", set())  # the registry is process-wide; keep it per test
    redact.register_secret("canary-value-7f3a91")
    problems = draft_problems(store, bundle, draft.model_copy(update={"summary": "saw canary-value-7f3a91"}))
    assert problems == ["field summary fails the redaction scan (known secret value)"]


def test_evidence_outside_the_run_and_missing_evidence_are_named(setup) -> None:
    store, bundle, draft = setup
    evidence = [*draft.evidence,
                FeedbackEvidence(path="../secrets.txt", kind="log", note="escape"),
                FeedbackEvidence(path=f"{store.artifact_root}/../other/run.json", kind="state", note="sibling"),
                FeedbackEvidence(path=f"{store.artifact_root}/screenshots/gone.png", kind="screenshot", note="gone")]
    problems = draft_problems(store, bundle, draft.model_copy(update={"evidence": evidence}))
    assert problems == [
        "evidence path is not inside the run: ../secrets.txt",
        f"evidence path is not inside the run: {store.artifact_root}/../other/run.json",
        f"evidence file missing: {store.artifact_root}/screenshots/gone.png",
    ]


def test_required_fields_and_run_identity(setup) -> None:
    store, bundle, draft = setup
    problems = draft_problems(store, bundle, draft.model_copy(update={
        "summary": " ", "acceptance_proof": [], "idempotency_key": "mimetic:other-run:x"}))
    assert problems == ["required field summary is empty", "required field acceptance_proof is empty",
                        f"idempotency_key does not start with mimetic:{bundle.run_id}:"]


def test_dry_run_bundle_cannot_back_product_claims(setup) -> None:
    store, bundle, draft = setup
    dry = bundle.model_copy(update={"mode": "dry-run"})
    for owner in ("target-app", "actor"):
        problems = draft_problems(store, dry, draft.model_copy(update={"failure_owner": owner}))
        assert problems == [f"a dry-run bundle cannot back a {owner} claim: no product behaviour was observed"]
    assert draft_problems(store, dry, draft.model_copy(update={"failure_owner": "harness"})) == []
