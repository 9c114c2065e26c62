"""The Observer's documents: the data the page renders, and the results `watch`/`observe`/`export` print."""

from typing import Any, ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.bundle import (
    LabRef, LifecycleEntry, PersonaRef, Redaction, RunEvent, ScenarioRef, Simulation, Stream,
)
from mimetic.contracts.evidence import Finding, TokenUsage
from mimetic.contracts.results import ErrorInfo
from mimetic.contracts.study import StudySummary

OBSERVER_DATA_SCHEMA = "mimetic.observer-data.v1"
OBSERVER_RESULT_SCHEMA = "mimetic.observer-result.v1"
EXPORT_RESULT_SCHEMA = "mimetic.export-result.v1"

# How a lane's status reads at a glance (upstream §5.3): five tones, one per colour.
Tone = Literal["queued", "running", "complete", "blocked", "failed"]


class ObserverRun(Record):
    run_id: str
    mode: Literal["dry-run", "live"]
    status: str  # the review verdict
    title: str  # "<scenario title> - <persona name>"
    created_at: str
    sim_count: int
    persona: PersonaRef
    scenario: ScenarioRef
    package_name: str | None = None
    lab: LabRef | None = None
    redaction: Redaction
    lifecycle: list[LifecycleEntry] = Field(default_factory=list)
    summary: str = ""  # the review summary
    known_gaps: list[str] = Field(default_factory=list)
    tone: Tone
    study: StudySummary | None = None  # a study's `k/n reached` per task and persona (and funnel)


class ObserverSummary(Record):
    streams: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    by_tone: dict[str, int]
    active: int  # running | preparing
    blocked: int  # blocked | timed_out | interrupted (by_status agrees: failed lanes are counted apart)
    failed: int = 0  # failed
    warnings: int  # warn-level events
    events: int  # events in the run (the page shows the latest of them)


class ExplorerFindingSummary(Record):
    """One explorer finding as the lane panel lists it (screenshot relative to observer/index.html)."""

    kind: str
    severity: str
    title: str
    route: str
    screenshot: str | None = None


class ActorSummary(Record):
    """The parts of an `actors/<stream>.json` report (mimetic.actor.v1) a lane tile shows."""

    path: str
    kind: str
    status: str
    verdict: str | None = None
    reason: str = ""
    model: str | None = None
    steps: int = 0
    duration_ms: int = 0
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None  # None = unknown, never shown as 0
    findings: list[Finding] = Field(default_factory=list)
    last_message_tail: str = ""
    explorer_findings: list[ExplorerFindingSummary] = Field(default_factory=list)


class ObserverStream(Stream):
    """A lane as the page needs it: the bundle's stream plus its simulation, labels and timeline."""

    sim: Simulation | None = None
    kind_label: str
    status_label: str
    tone: Tone
    progress: int = 0
    current_step: str = ""
    terminal_plain: str = ""
    screenshot: str | None = None  # relative to observer/index.html (or a data: URL in an export)
    actor: ActorSummary | None = None
    timeline: list[RunEvent] = Field(default_factory=list)
    live: bool = False  # a runtime stream URL is overlaid (served responses only)


class ArtifactLink(Record):
    label: str
    href: str  # relative to observer/index.html
    kind: str


class PublicSafety(Record):
    publishable: Literal[False] = False
    note: str


class ObserverRaw(Record):
    bundle_schema: str
    artifact_root: str


class ObserverData(Record):
    SCHEMA_ID: ClassVar[str] = OBSERVER_DATA_SCHEMA
    # Embedded in every page: unset optional parts are omitted (as in run.json) to keep 1,000 lanes light.
    OMIT_NONE: ClassVar[bool] = True
    schema_: Literal["mimetic.observer-data.v1"] = Field(OBSERVER_DATA_SCHEMA, alias="schema")
    schema_version: Literal[1] = 1
    generated_at: str
    run: ObserverRun
    summary: ObserverSummary
    streams: list[ObserverStream]
    events: list[RunEvent] = Field(default_factory=list)
    artifact_links: list[ArtifactLink] = Field(default_factory=list)
    public_safety: PublicSafety
    raw: ObserverRaw
    # Exports only: filesystem artifacts (setup quality) inlined by run-relative path, so the
    # Files tab renders them with no server.
    inline_artifacts: dict[str, Any] | None = None
    # Served only: the version of the data this answer brings the page up to (a poll names it as
    # `?since=`), and whether the answer holds only the lanes and events changed since then.
    cursor: int | None = None
    partial: bool | None = None


class ObserverResult(Record):
    SCHEMA_ID: ClassVar[str] = OBSERVER_RESULT_SCHEMA
    schema_: Literal["mimetic.observer-result.v1"] = Field(OBSERVER_RESULT_SCHEMA, alias="schema")
    ok: bool
    cwd: str
    run: str  # the run id
    run_id: str
    verdict: str
    stream_count: int
    observer_path: str
    observer_data_path: str
    events_path: str
    observer_url: str
    server_url: str | None = None
    access_token: str | None = None  # a served Observer's token: every request needs ?token= (observerUrl has it)
    bundle_path: str
    opened: bool = False
    lab: dict[str, Any] | None = None  # the lab run's own result when watch ran a lab
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None


class ExportResult(Record):
    SCHEMA_ID: ClassVar[str] = EXPORT_RESULT_SCHEMA
    schema_: Literal["mimetic.export-result.v1"] = Field(EXPORT_RESULT_SCHEMA, alias="schema")
    ok: bool
    cwd: str
    run: str
    run_id: str
    out_path: str
    bytes: int
    screenshots_inlined: int
    artifacts_inlined: int
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
