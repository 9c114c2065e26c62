"""The documents `--json` prints (`mimetic.*-result.v1`). Stable shapes for agents and CI."""

from typing import Any, ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record


class ErrorInfo(Record):
    code: str
    message: str


class CliResponse(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.cli-response.v1"
    schema_: Literal["mimetic.cli-response.v1"] = Field("mimetic.cli-response.v1", alias="schema")
    ok: bool
    error: ErrorInfo | None = None


class SurfaceResult(Record):
    """One viewport of a browser proof, as an agent needs it without opening the trace."""

    surface: Literal["desktop", "mobile"] = Field(description="The viewport: desktop 1440x960 or mobile 390x844 (touch).")
    stream_id: str = Field(description="The bundle stream this viewport wrote (run.json streams[].id).")
    status: Literal["passed", "failed", "blocked", "timed_out", "interrupted"] = Field(
        description="passed: every step passed; failed: a check failed; blocked: the app could not be reached; "
                    "timed_out: the viewport's budget ran out.")
    failed_step: str | None = Field(None, description="Id of the first step that failed or was blocked, if any.")
    failed_step_label: str | None = Field(None, description="That step's label.")
    reason: str = Field(description="Why the viewport ended as it did, in plain language (what the page showed).")
    page_errors: list[str] = Field(default_factory=list,
                                   description="Uncaught exceptions the page threw during the failing step.")
    console_errors: list[str] = Field(default_factory=list,
                                      description="Console errors logged during the failing step.")
    screenshot: str | None = Field(None, description="Run-relative screenshot of the failing step (else the last one).")
    trace: str = Field(description="Run-relative path of this viewport's full trace.")
    actor: str = Field(description="The AI actor on this viewport: `ran`, `blocked: <why>` or `not requested`.")
    actor_status: str | None = Field(None, description="The actor report's status when one was written.")


class RunResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.run-result.v1"
    schema_: Literal["mimetic.run-result.v1"] = Field("mimetic.run-result.v1", alias="schema")
    ok: bool
    run_id: str
    mode: Literal["dry-run", "live"]
    sim_count: int
    verdict: str
    cwd: str
    artifact_root: str
    bundle_path: str
    review_path: str
    latest_path: str
    lab: str | None = None
    surfaces: list[SurfaceResult] = Field(default_factory=list,
                                          description="Per viewport of a browser proof (`run --app-url`); empty otherwise.")
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None


class Check(Record):
    name: str
    ok: bool
    message: str


class VerifyResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.verify-result.v1"
    schema_: Literal["mimetic.verify-result.v1"] = Field("mimetic.verify-result.v1", alias="schema")
    ok: bool
    cwd: str
    run: str
    run_id: str
    bundle_path: str
    checks: list[Check]
    relaxed_rules: list[str] = Field(default_factory=list)  # rules relaxed to read a 0.1.5 bundle
    error: ErrorInfo | None = None


class RunListEntry(Record):
    run_id: str
    created_at: str | None
    mode: str | None
    verdict: str | None = None
    path: str


class RunsResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.runs-result.v1"
    schema_: Literal["mimetic.runs-result.v1"] = Field("mimetic.runs-result.v1", alias="schema")
    ok: bool = True
    cwd: str
    runs: list[RunListEntry]
    latest: str | None


class ReviewResult(Record):
    """`review --json`: the run's review, flat as in 0.1.5 (schema mimetic.review.v1, whose model is
    contracts.bundle.Review), plus where it is."""

    schema_: Literal["mimetic.review.v1"] = Field("mimetic.review.v1", alias="schema")
    verdict: str
    summary: str
    gaps: list[str] = Field(default_factory=list)
    ok: bool = True
    path: str
    run_id: str
    study: dict[str, Any] | None = None  # a study's per-task and per-persona `reached` counts


class LabEntry(Record):
    id: str
    kind: str
    origin: Literal["committed", "ignored", "local", "bundled", "explicit"]
    path: str
    title: str | None = None


class LabListResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.lab-list.v1"
    schema_: Literal["mimetic.lab-list.v1"] = Field("mimetic.lab-list.v1", alias="schema")
    ok: bool = True
    cwd: str
    labs: list[LabEntry]
    warnings: list[str] = Field(default_factory=list)


class LabInspectResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.lab-inspect.v1"
    schema_: Literal["mimetic.lab-inspect.v1"] = Field("mimetic.lab-inspect.v1", alias="schema")
    ok: bool
    cwd: str
    lab: str
    manifest: dict[str, Any] | None = None
    origin: str | None = None
    path: str | None = None
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None


class Assignment(Record):
    index: int
    repo: str
    scenario_id: str
    sim_id: str
    stream_id: str


class SandboxSummary(Record):
    stream_id: str
    repo: str
    url_present: bool = False
    completion_status: str | None = None
    completion_reason: str | None = None
    actor_status: str | None = None
    setup_actor_status: str | None = Field(None, description="The lane's setup actor (a coding agent that adopts mimetic "
                                                             "in the clone): passed, failed, blocked, timed_out or not_started.")
    setup_actor_reason: str | None = Field(None, description="What the setup actor did, or why it did not run.")
    app_status: str | None = None
    screenshot_present: bool | None = None
    sandbox_id: str | None = None


class RedactedRepo(Record):
    """A lane whose repo is not named in the run, and why."""

    label: str = Field(description="The lane's public label (repo-NN); its slug is never written.")
    reason: str = Field(description="Why it is redacted: it needed a GitHub token, could not be read anonymously, "
                                    "or --redact-repos asked for it.")


class OssMetaLabResult(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.oss-meta-lab-result.v1"
    schema_: Literal["mimetic.oss-meta-lab-result.v1"] = Field("mimetic.oss-meta-lab-result.v1", alias="schema")
    ok: bool
    run_id: str
    cwd: str
    dry_run: bool
    live_requested: bool
    substrate: str | None = None
    count: int
    repos: list[str] = Field(description="One entry per repo: its owner/repo slug, or its redacted label (repo-NN).")
    repo_labels: dict[str, str] = Field(default_factory=dict,
                                        description="label -> owner/repo for every lane whose repo is named.")
    redact_repos: bool = Field(description="Whether any repo of the run is redacted (see `redacted`).")
    redacted: list[RedactedRepo] = Field(default_factory=list, description="The redacted lanes' labels and why.")
    verdict: str
    assignments: list[Assignment]
    sandboxes: list[SandboxSummary] = Field(default_factory=list)
    bundle_path: str
    # 0.1.5's shape: the Observer result (mimetic.observer-result.v1) of the run, once its page is written.
    observer: dict[str, Any] | None = None
    observer_url: str | None = None
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
