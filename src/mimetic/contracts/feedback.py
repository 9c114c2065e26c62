"""Feedback candidates (derived from a run's evidence) and the public-safe draft built from one."""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import SnakeRecord

CANDIDATE_SCHEMA = "mimetic.feedback-candidate.v1"
FEEDBACK_SCHEMA = "mimetic.feedback.v1"

FailureOwner = Literal["harness", "target-app", "actor", "environment", "unknown"]
EvidenceKind = Literal["review", "state", "log", "trace", "screenshot", "filesystem"]
NextState = Literal[
    "watch", "adapter-hardening", "target-app-setup", "actor-auth", "setup-quality-review",
    "study-quality-review",
]
ActorName = Literal["codex-tui", "codex-exec", "synthetic-dry-run", "openai-cua", "scripted-browser", "explore",
                    "unknown"]
SubstrateName = Literal["e2b-desktop", "local-filesystem", "local-browser", "codex-app-server", "unknown"]


class FeedbackEvidence(SnakeRecord):
    path: str
    kind: EvidenceKind
    note: str


class FeedbackRedaction(SnakeRecord):
    status: Literal["passed", "failed", "not_applicable"] = "passed"
    notes: str = "Secret, token and local-path patterns were scanned."


class FeedbackCandidate(SnakeRecord):
    SCHEMA_ID: ClassVar[str] = CANDIDATE_SCHEMA
    schema_: Literal["mimetic.feedback-candidate.v1"] = Field(CANDIDATE_SCHEMA, alias="schema")
    id: str
    run_id: str
    stream_id: str | None = None
    adapter_id: str
    scenario_id: str
    persona_id: str
    actor: ActorName
    substrate: SubstrateName
    failure_owner: FailureOwner
    severity: Literal["high", "medium", "low"] = "medium"
    summary: str
    expected: str
    actual: str
    evidence: list[FeedbackEvidence]
    redaction: FeedbackRedaction = Field(default_factory=FeedbackRedaction)
    idempotency_key: str
    proposed_next_state: NextState
    acceptance_proof: list[str]


class FeedbackDraft(SnakeRecord):
    SCHEMA_ID: ClassVar[str] = FEEDBACK_SCHEMA
    schema_: Literal["mimetic.feedback.v1"] = Field(FEEDBACK_SCHEMA, alias="schema")
    run_id: str
    source_candidate_id: str | None = None
    adapter_id: str
    scenario_id: str
    persona_id: str
    actor: ActorName
    substrate: SubstrateName
    failure_owner: FailureOwner
    severity: Literal["high", "medium", "low"] = "medium"
    summary: str
    expected: str
    actual: str
    source_bundle: str
    evidence: list[FeedbackEvidence]
    redaction: FeedbackRedaction = Field(default_factory=FeedbackRedaction)
    idempotency_key: str
    proposed_next_state: NextState
    acceptance_proof: list[str]
