"""The keyless explorer's trace (state graph, actions, findings) and the replay of its findings.

An explorer lane writes `actors/<stream>.json` as an actor report (`mimetic.actor.v1`, kind `explore`)
whose `exploration` is an `ExplorerTrace`; `mimetic replay` answers with a `ReplayResult`. Everything
in a trace that a finding carries is derived from the walk alone (no clock, no port), so the same seed
against the same app state gives a byte-identical `findings` list.
"""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record

EXPLORER_TRACE_SCHEMA = "mimetic.explorer-trace.v1"
REPLAY_RESULT_SCHEMA = "mimetic.replay-result.v1"

InputStyle = Literal["pointer", "keyboard", "touch"]
Severity = Literal["error", "warning", "info"]
FindingKind = Literal[
    "page_error", "console_error", "http_error", "request_failed", "dead_control", "keyboard_unreachable",
    "axe_violation", "horizontal_overflow", "small_tap_target", "required_empty_accepted", "slow_response",
]
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class ExplorerAction(Record):
    """One primitive input event; a finding's `path` is the list of these that reproduces it from a fresh page."""

    kind: Literal["goto", "click", "tap", "fill", "type", "press", "select"] = Field(
        description="goto a route of the app; click/tap a control; fill (pointer) or type (keyboard) text into a "
                    "field; press a key `count` times; select an option of a <select>.")
    target: str | None = Field(None, description="CSS path of the control, as it was in the page.")
    value: str | None = Field(None, description="Route for goto, text for fill/type, key for press, option for select.")
    count: int = Field(1, ge=1, description="How many times a key was pressed (keyboard focus moves).")


class ExplorerControl(Record):
    key: str = Field(description="CSS path of the control in the page.")
    role: str = Field(description="link, button, checkbox, radio, textbox, combobox, or clickable (pointer-only).")
    name: str = Field("", description="Its accessible name, as the explorer computed it (bounded).")


class ExplorerState(Record):
    id: str = Field(description="Fingerprint of route + the visible accessibility tree.")
    route: str = Field(description="Path, query and hash of the page, relative to the app's origin.")
    title: str = ""
    depth: int = Field(0, description="Steps from the start page.")
    controls: int = Field(0, description="Visible, enabled controls found in this state.")
    screenshot_path: str | None = None


class ExplorerStep(Record):
    index: int
    from_state: str
    to_state: str | None = Field(None, description="The state reached; null when the step left the origin or timed out.")
    control: ExplorerControl | None = None
    intent: Literal["activate", "submit", "submit-empty", "submit-malformed", "fill", "select"] = "activate"
    actions: list[ExplorerAction] = Field(default_factory=list)
    outcome: Literal["changed", "unchanged", "left_origin", "slow", "failed"] = "changed"
    screenshot_path: str | None = None


class ExplorerFinding(Record):
    id: str = Field(description="Stable id of the defect (kind + route + control/rule); the same across lanes.")
    kind: FindingKind
    severity: Severity
    title: str
    detail: str = ""
    route: str = Field(description="Where it happened, relative to the app's origin.")
    control: ExplorerControl | None = None
    rule: str | None = Field(None, description="The axe-core rule id, for axe violations.")
    path: list[ExplorerAction] = Field(default_factory=list, description="The actions that reproduce it from a fresh page.")
    screenshot_path: str | None = None


class ExplorerStyle(Record):
    input: InputStyle
    impatient: bool = False
    careless: bool = False
    patience_ms: int = Field(description="How long the persona waits for the page to settle before giving up.")
    max_states: int
    max_actions: int
    max_ms: int


class ExplorerTrace(Record):
    SCHEMA_ID: ClassVar[str] = EXPLORER_TRACE_SCHEMA
    schema_: Literal["mimetic.explorer-trace.v1"] = Field(EXPLORER_TRACE_SCHEMA, alias="schema")
    seed: int
    surface: str = Field(description="desktop or mobile.")
    persona_id: str | None = None
    style: ExplorerStyle
    start_route: str
    stopped_by: Literal["exhausted", "states", "actions", "time", "unreachable"] = Field(
        description="Why the walk ended: nothing left to try, or which budget ran out.")
    states: list[ExplorerState] = Field(default_factory=list)
    steps: list[ExplorerStep] = Field(default_factory=list)
    findings: list[ExplorerFinding] = Field(default_factory=list)
    axe_version: str | None = None


class ReplayedFinding(Record):
    id: str
    kind: FindingKind
    severity: Severity
    title: str
    reproduced: bool
    detail: str = ""


class ReplayResult(Record):
    SCHEMA_ID: ClassVar[str] = REPLAY_RESULT_SCHEMA
    schema_: Literal["mimetic.replay-result.v1"] = Field(REPLAY_RESULT_SCHEMA, alias="schema")
    ok: bool = True
    run_id: str
    lane: str
    app_url: str
    findings: list[ReplayedFinding] = Field(default_factory=list)
    reproduced: int = 0
    gone: int = 0
