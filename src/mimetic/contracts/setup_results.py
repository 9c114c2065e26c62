"""What `mimetic init` and `mimetic doctor` print with `--json`."""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.results import Check, ErrorInfo

InitMode = Literal["dry-run", "applied", "needs-confirmation"]


class InitChange(Record):
    """One planned (or applied) change; `path` is project-relative."""

    path: str
    action: Literal["create", "mkdir", "update", "skip"]
    target: Literal["source", "runtime", "gitignore", "package-json"]
    reason: str


class InitResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.init-result.v1"
    schema_: Literal["mimetic.init-result.v1"] = Field("mimetic.init-result.v1", alias="schema")
    ok: bool
    mode: InitMode
    cwd: str
    changes: list[InitChange] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None


class EnvFileReport(Record):
    """What a failed `--env-file` prints (0.1.5's shape): names only, never a value. Loading is all or
    nothing, so a failure has loaded nothing."""

    SCHEMA_ID: ClassVar[str] = "mimetic.env-file-result.v1"
    schema_: Literal["mimetic.env-file-result.v1"] = Field("mimetic.env-file-result.v1", alias="schema")
    ok: bool
    cwd: str
    env_file: str
    loaded: list[str] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None


class EnvironmentEntry(Record):
    """Informational only: whether something is available, never its value."""

    name: str
    kind: Literal["env-var", "executable", "actor-model"]
    present: bool
    message: str


class DoctorResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.doctor-result.v1"
    schema_: Literal["mimetic.doctor-result.v1"] = Field("mimetic.doctor-result.v1", alias="schema")
    ok: bool
    cwd: str
    checks: list[Check]
    environment: list[EnvironmentEntry] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
