"""The run bundle (`run.json`), its parts, the review and the latest pointer."""

from typing import ClassVar, Literal

from pydantic import Field, PrivateAttr

from mimetic.contracts.base import Record
from mimetic.contracts.feedback import FeedbackCandidate
from mimetic.contracts.study import StudySummary

RUN_BUNDLE_SCHEMA = "mimetic.run-bundle.v1"
REVIEW_SCHEMA = "mimetic.review.v1"
LATEST_SCHEMA = "mimetic.latest-run.v1"
TARGET_CWD_MARKER = "[target-cwd]"

SimStatus = Literal[
    "queued", "preparing", "running", "passed", "complete", "blocked", "timed_out", "failed",
    "contract_proof_only", "interrupted",
]
TERMINAL_STATUSES: frozenset[str] = frozenset(
    {"passed", "complete", "blocked", "timed_out", "failed", "contract_proof_only", "interrupted"}
)
StreamKind = Literal["ui", "browser", "terminal", "tui", "codex-ui", "artifact", "summary"]
SimMode = Literal["browser-sim", "cli-sim", "tui-sim", "codex-app-sim"]
Transport = Literal["snapshot", "polling", "sse", "pty", "app-server"]
ArtifactKind = Literal["bundle", "review", "observer", "events", "screenshot", "trace", "log", "filesystem", "actor"]
Verdict = Literal["contract_proof_only", "pass", "fail", "blocked", "timed_out", "interrupted"]
ActorStatus = Literal["not_started", "running", "passed", "failed", "blocked", "timed_out", "suspended", "unknown"]
AppStatus = Literal["not_started", "running", "blocked", "failed", "missing", "unknown"]
VisualStatus = Literal["not_started", "visible", "blocked", "unknown"]


class SourceGit(Record):
    status: str = "not_captured"
    note: str = "Git state is not captured in run bundles."


class Source(Record):
    package_name: str | None = None
    mimetic_source: Literal["present", "missing"] = "missing"
    git: SourceGit = Field(default_factory=SourceGit)


class PersonaRef(Record):
    id: str
    name: str
    source: str
    source_digest: str


class ScenarioRef(Record):
    id: str
    title: str
    goal: str
    source: str
    source_digest: str


class LifecycleEntry(Record):
    at: str
    event: str
    message: str


class Simulation(Record):
    id: str
    index: int
    persona_id: str
    scenario_id: str
    status: SimStatus
    stream_kind: StreamKind
    mode: SimMode
    progress: int = Field(ge=0, le=100)
    current_step: str
    summary: str
    stream_ids: list[str]
    started_at: str
    updated_at: str


class Embed(Record):
    kind: Literal["iframe", "terminal", "screenshot", "placeholder"]
    url: str | None = None
    title: str | None = None


class Viewport(Record):
    width: int
    height: int
    device_scale_factor: float | None = None
    is_mobile: bool | None = None


class Terminal(Record):
    title: str
    format: Literal["ansi", "plain"] = "plain"
    stdin: Literal["disabled", "planned", "sent"] = "disabled"
    tail: str = ""


class StreamUi(Record):
    actor_status: str | None = None
    app_status: str | None = None
    app_url: str | None = None
    route: str | None = None
    intent: str | None = None
    nested_observer_path: str | None = None
    nested_observer_url: str | None = None
    screenshot_url: str | None = None
    state: str | None = None
    visual_status: str | None = None
    proof_steps: int | None = None  # scripted steps the (nested) browser proof ran, both viewports
    proof_steps_passed: int | None = None


class CodexBlock(Record):
    provider: str = "codex-app-server"
    session_id: str | None = None
    state: Literal["not_connected", "connecting", "watching"] = "not_connected"
    contract: str = ""


class Completion(Record):
    """Where a live lane ended up (`RunStreamCompletion` upstream)."""

    status: Literal["running", "passed", "failed", "blocked", "timed_out", "interrupted"]
    reason: str
    checked_at: str
    exit_code: int | None = None
    log_tail: str | None = None
    actor_status: ActorStatus | None = None
    actor_reason: str | None = None  # a lane's setup actor: what it did, or why it did not run
    actor_pid: int | None = None
    actor_log_path: str | None = None
    actor_log_tail: str | None = None
    actor_last_message_tail: str | None = None
    app_status: AppStatus | None = None
    app_url: str | None = None
    app_pid: int | None = None
    app_reason: str | None = None
    app_log_path: str | None = None
    nested_observer_present: bool | None = None
    nested_verify_passed: bool | None = None
    visual_status: VisualStatus | None = None
    visual_reason: str | None = None
    visual_window_count: int | None = None


class StreamArtifact(Record):
    label: str
    path: str
    kind: ArtifactKind


class Stream(Record):
    id: str
    sim_id: str
    kind: StreamKind
    label: str
    status: SimStatus
    transport: Transport
    updated_at: str
    url: str | None = None
    embed: Embed | None = None
    viewport: Viewport | None = None
    terminal: Terminal | None = None
    ui: StreamUi | None = None
    codex: CodexBlock | None = None
    completion: Completion | None = None
    artifacts: list[StreamArtifact] = Field(default_factory=list)


class RunEvent(Record):
    id: str
    at: str
    level: Literal["info", "warn", "error"]
    type: str
    message: str
    sim_id: str | None = None
    stream_id: str | None = None


class Redaction(Record):
    status: Literal["passed", "failed", "not_applicable"] = "passed"
    notes: str = (
        "Secret, token and local-path patterns were scanned; personas and fixtures are synthetic. "
        "This is not a PII/PHI detector."
    )


class BundleArtifacts(Record):
    run: str = "run.json"
    review_json: str = "review.json"
    review_markdown: str = "review.md"
    observer_data: str = "observer/observer-data.json"
    events: str = "events.ndjson"


class Review(Record):
    SCHEMA_ID: ClassVar[str] = REVIEW_SCHEMA
    schema_: Literal["mimetic.review.v1"] = Field(REVIEW_SCHEMA, alias="schema")
    verdict: Verdict
    summary: str
    gaps: list[str] = Field(default_factory=list)


class LabRef(Record):
    id: str
    kind: str
    origin: str


class RunBundle(Record):
    SCHEMA_ID: ClassVar[str] = RUN_BUNDLE_SCHEMA
    OMIT_NONE: ClassVar[bool] = True
    schema_: Literal["mimetic.run-bundle.v1"] = Field(RUN_BUNDLE_SCHEMA, alias="schema")
    run_id: str
    mode: Literal["dry-run", "live"]
    sim_count: int
    created_at: str
    cwd: Literal["[target-cwd]"] = TARGET_CWD_MARKER
    artifact_root: str
    lab: LabRef | None = None
    source: Source = Field(default_factory=Source)
    persona: PersonaRef
    scenario: ScenarioRef
    lifecycle: list[LifecycleEntry] = Field(default_factory=list)
    simulations: list[Simulation] = Field(default_factory=list)
    streams: list[Stream] = Field(default_factory=list)
    events: list[RunEvent] = Field(default_factory=list)
    redaction: Redaction = Field(default_factory=Redaction)
    artifacts: BundleArtifacts = Field(default_factory=BundleArtifacts)
    review: Review
    feedback_candidates: list[FeedbackCandidate] = Field(default_factory=list)
    study: StudySummary | None = None  # a study's tallies (the per-lane detail is in study.json)
    # Set only by the reader (never from the file) for a 0.1.5 bundle that stored its absolute cwd.
    _legacy_cwd: str | None = PrivateAttr(None)

    @property
    def legacy_cwd(self) -> str | None:
        return self._legacy_cwd


class LatestRun(Record):
    SCHEMA_ID: ClassVar[str] = LATEST_SCHEMA
    schema_: Literal["mimetic.latest-run.v1"] = Field(LATEST_SCHEMA, alias="schema")
    run_id: str
    path: str
    updated_at: str
