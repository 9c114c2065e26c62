"""Evidence files a lane leaves beside the bundle: setup quality, study quality, browser traces, actor reports.

Producers (lanes, browser proof, actors) write these; consumers (Observer, feedback, stats) read them
through the same models, so the shapes cannot drift between areas.
"""

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from mimetic.contracts.base import Record
from mimetic.contracts.explorer import ExplorerTrace

SETUP_QUALITY_SCHEMA = "mimetic.setup-quality.v1"
STUDY_QUALITY_SCHEMA = "mimetic.study-quality.v1"
BROWSER_TRACE_SCHEMA = "mimetic.browser-surface-trace.v1"
ACTOR_SCHEMA = "mimetic.actor.v1"


# --- setup quality (upstream §3.7) and study quality (§3.8) -----------------------------------


class QualityCheck(Record):
    id: str
    label: str = ""
    ok: bool
    detail: str = ""


class StudySignals(Record):
    app_url_proof_blocked: bool = False
    app_url_proof_mentioned: bool = False
    actor_insight_captured: bool = False
    coverage_customized: bool = False
    persona_customized: bool = False
    scenario_customized: bool = False


class StudyQuality(Record):
    SCHEMA_ID: ClassVar[str] = STUDY_QUALITY_SCHEMA
    schema_: Literal["mimetic.study-quality.v1"] = Field(STUDY_QUALITY_SCHEMA, alias="schema")
    rating: Literal["none", "ceremonial", "useful", "high_leverage"]
    summary: str
    checks: list[QualityCheck] = Field(default_factory=list)
    signals: StudySignals = Field(default_factory=StudySignals)


class SetupRedaction(Record):
    status: Literal["passed", "failed"] = "passed"
    raw_previews: Literal["included", "suppressed"] = "included"
    notes: str = ""


class TreeEntry(Record):
    path: str
    type: Literal["file", "directory"]
    size_bytes: int | None = None


class Preview(Record):
    path: str
    language: Literal["json", "yaml", "typescript", "python", "markdown", "text"]
    truncated: bool = False
    text: str


class MimeticSetupFacts(Record):
    config_present: bool = False
    persona_count: int = 0
    scenario_count: int = 0
    package_script_present: bool = False
    gitignore_contains_runtime_ignore: bool = False


class SetupQuality(Record):
    SCHEMA_ID: ClassVar[str] = SETUP_QUALITY_SCHEMA
    schema_: Literal["mimetic.setup-quality.v1"] = Field(SETUP_QUALITY_SCHEMA, alias="schema")
    generated_at: str
    redaction: SetupRedaction = Field(default_factory=SetupRedaction)
    summary: str
    status: Literal["passed", "needs_review", "blocked"]
    checks: list[QualityCheck] = Field(default_factory=list)
    tree: list[TreeEntry] = Field(default_factory=list)
    previews: list[Preview] = Field(default_factory=list)
    study_quality: StudyQuality | None = None
    package_scripts: dict[str, str] = Field(default_factory=dict)
    mimetic: MimeticSetupFacts = Field(default_factory=MimeticSetupFacts)


# --- browser proof traces (upstream §8) ---------------------------------------------------------


class Assertion(Record):
    kind: Literal["text", "selectorVisible", "urlIncludes", "stateChanged", "rendered", "http"]
    expected: str
    actual: str
    status: Literal["passed", "failed"]


class TraceStep(Record):
    id: str
    label: str
    action: str
    status: Literal["passed", "failed", "blocked", "skipped"]
    reason: str = ""
    url: str = ""
    duration_ms: int = 0
    completed_at: str | None = None
    screenshot_path: str | None = None
    assertions: list[Assertion] = Field(default_factory=list)
    page_errors: list[str] = Field(default_factory=list, description="Uncaught exceptions the page threw during this step.")
    console_errors: list[str] = Field(default_factory=list, description="Console errors logged during this step.")


class TraceViewport(Record):
    width: int
    height: int
    device_scale_factor: float = 1
    is_mobile: bool = False
    has_touch: bool = False


class BrowserTrace(Record):
    SCHEMA_ID: ClassVar[str] = BROWSER_TRACE_SCHEMA
    schema_: Literal["mimetic.browser-surface-trace.v1"] = Field(BROWSER_TRACE_SCHEMA, alias="schema")
    captured_at: str
    app_url: str
    surface: Literal["desktop", "mobile"]
    viewport: TraceViewport
    browser: str
    duration_ms: int
    http_status: int | None = None
    ok: bool
    status: Literal["passed", "failed", "blocked", "interrupted"]
    reason: str
    scenario_id: str
    steps: list[TraceStep] = Field(default_factory=list)
    console_errors: list[str] = Field(default_factory=list)
    failed_requests: list[str] = Field(default_factory=list)
    screenshot_path: str | None = None
    redaction: Literal["passed"] = "passed"

    @model_validator(mode="before")
    @classmethod
    def _from_015(cls, data: Any) -> Any:
        """0.1.5 wrote `surface` as {id, label, viewport}, `browserCommand`, and no status or scenario."""
        if not isinstance(data, dict) or not isinstance(data.get("surface"), dict):
            return data
        surface = data["surface"]
        legacy = {"surface": surface.get("id"), "viewport": surface.get("viewport"),
                  "browser": data.get("browserCommand", "unknown"),
                  "status": "passed" if data.get("ok") else "failed",
                  "scenarioId": "browser-app-surface-smoke"}
        return {**data, **{k: v for k, v in legacy.items() if k not in data or k == "surface"}}


# --- actor reports (issue: AI actor) -------------------------------------------------------------


class Finding(Record):
    observed: str
    where: str = ""
    severity: Literal["high", "medium", "low"] = "medium"
    owner: Literal["product", "actor"] = "product"  # a product problem, or the actor's own clumsiness
    expected: str | None = None


class TokenUsage(Record):
    input: int = 0  # every input token, the cached ones included
    output: int = 0
    cached: int = 0  # the part of `input` read from a prompt cache (billed at the cached-input rate)


class ActorTurn(Record):
    """One model turn of an actor: what it cost and how long the model took (retries included)."""

    index: int  # 1-based
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None  # None = the model has no rate
    latency_ms: int = 0  # from the first request of the turn to its answer, backoff waits included
    requests: int = 1  # requests made for this turn (more than 1 after retries)
    actions: int = 0  # actions the turn asked for


class ActorReport(Record):
    SCHEMA_ID: ClassVar[str] = ACTOR_SCHEMA
    schema_: Literal["mimetic.actor.v1"] = Field(ACTOR_SCHEMA, alias="schema")
    id: str  # the stream id the actor worked in
    kind: Literal["openai-cua", "anthropic", "openai-compatible", "scripted-browser", "explore", "codex-exec", "codex-tui",
                  "none"]
    provider: str | None = None  # the model API ("openai", "anthropic", "openai-compatible"); None without a model
    status: Literal["not_started", "running", "passed", "failed", "blocked", "timed_out", "interrupted"]
    verdict: Literal["passed", "blocked", "failed"] | None = None
    reason: str = ""
    model: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    duration_ms: int = 0
    steps: int = 0  # actions performed
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None  # None = unknown rate, never 0
    turns: list[ActorTurn] = Field(default_factory=list)  # one per model turn, in order
    warnings: list[str] = Field(default_factory=list)  # e.g. a model with no rate (its cost is null)
    rate_date: str | None = None
    safety_checks: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    transcript_path: str | None = None
    last_message_tail: str = ""
    exploration: ExplorerTrace | None = None  # the keyless explorer's state graph, actions and findings


# --- sandbox receipts (one line per sandbox in sandbox-receipts.ndjson, the moment its id exists) --


class SandboxReceipt(Record):
    SCHEMA_ID: ClassVar[str] = "mimetic.sandbox-receipt.v1"
    schema_: Literal["mimetic.sandbox-receipt.v1"] = Field("mimetic.sandbox-receipt.v1", alias="schema")
    sandbox_id: str
    substrate: str  # "e2b" | "local"
    stream_id: str
    created_at: str
