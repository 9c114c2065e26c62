"""`mimetic cleanup`: what happened to each sandbox a run's receipts name."""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.results import ErrorInfo


class CleanupIssue(Record):
    """A sandbox id cleanup could not settle, and why (redacted)."""

    id: str
    reason: str


class CleanupResult(Record):
    """Written to `.mimetic/runs/<run>/cleanup.json`: the receipt ids are evidence of what to kill, not authority."""

    SCHEMA_ID: ClassVar[str] = "mimetic.cleanup-result.v1"
    schema_: Literal["mimetic.cleanup-result.v1"] = Field("mimetic.cleanup-result.v1", alias="schema")
    ok: bool
    run_id: str
    cwd: str
    receipts_path: str
    cleanup_path: str
    killed: list[str] = Field(default_factory=list)
    already_gone: list[str] = Field(default_factory=list)
    failed: list[CleanupIssue] = Field(default_factory=list)
    skipped: list[CleanupIssue] = Field(default_factory=list)
    completed_at: str
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
