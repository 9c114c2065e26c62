"""What `mimetic feedback list|draft|verify|issue|issue-url --json` prints (`mimetic.feedback-result.v1`)."""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.feedback import FeedbackCandidate, FeedbackDraft
from mimetic.contracts.results import ErrorInfo

FEEDBACK_RESULT_SCHEMA = "mimetic.feedback-result.v1"


class RankedCandidate(Record):
    """A candidate with its place in the documented ranking and whether a draft from it could pass verify."""

    rank: int  # 1 = the one `feedback draft` picks when it is usable
    usable: bool
    problems: list[str] = Field(default_factory=list)
    candidate: FeedbackCandidate


class DraftEntry(Record):
    """One draft of the run: `feedback/<candidate-id>/draft.json`, and its issue.md when written."""

    path: str
    idempotency_key: str
    source_candidate_id: str | None = None
    failure_owner: str
    summary: str
    issue_path: str | None = None


class FeedbackResult(Record):
    SCHEMA_ID: ClassVar[str] = FEEDBACK_RESULT_SCHEMA
    schema_: Literal["mimetic.feedback-result.v1"] = Field(FEEDBACK_RESULT_SCHEMA, alias="schema")
    ok: bool
    command: Literal["list", "draft", "verify", "issue", "issue-url", "export"]
    cwd: str
    run: str
    run_id: str | None = None
    mode: Literal["dry-run", "live"] | None = None
    candidates: list[RankedCandidate] | None = None
    drafts: list[DraftEntry] | None = None  # list: the run's drafts; issue --all: the ones written
    candidate_id: str | None = None  # the candidate the draft came from (None = dry-run contract-proof fallback)
    fallback: bool | None = None
    draft_path: str | None = None
    draft: FeedbackDraft | None = None
    problems: list[str] = Field(default_factory=list)
    repo: str | None = None
    issue_path: str | None = None
    issue_markdown: str | None = None
    issue_url: str | None = None
    issue_url_shortened: bool | None = None
    export_path: str | None = None  # `feedback export`: the folder written (project-relative)
    exported: list[str] | None = None  # `feedback export`: the files in it, relative to the folder
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
