"""The `oss-smoke` lab's result (`report.json`): per repo, the steps a disposable clone went through."""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.results import ErrorInfo


class SmokeStep(Record):
    name: str
    ok: bool
    summary: str
    duration_ms: int


class SmokeRepo(Record):
    repo: str
    url: str
    clone_path: str  # project-relative
    ok: bool
    steps: list[SmokeStep] = Field(default_factory=list)
    changed_files: list[str] = Field(default_factory=list)  # `git status --short` lines in the clone
    mimetic_run_id: str
    observer_path: str | None = None  # inside the clone; gone once the clone is removed
    warnings: list[str] = Field(default_factory=list)


class SmokeCleanup(Record):
    kept: bool
    sandbox_removed: bool


class OssLabResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.oss-lab-result.v1"
    schema_: Literal["mimetic.oss-lab-result.v1"] = Field("mimetic.oss-lab-result.v1", alias="schema")
    ok: bool
    run_id: str
    cwd: str
    started_at: str
    completed_at: str
    sandbox_path: str  # project-relative: .mimetic/tmp/oss-lab/<run>
    report_json_path: str
    report_markdown_path: str
    cleanup: SmokeCleanup
    repos: list[SmokeRepo]
    interrupted: bool = False
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
