"""Study evidence: what each participant reached, per task, with the denominators (`mimetic.study.v1`).

A lane is one persona working through a scenario's tasks. Each task attempt ends in one outcome:
  reached    mimetic's success checks passed on the live page (whatever the participant said)
  abandoned  the participant gave up: said so, or ran out of patience (its step or time budget)
  failed     the participant finished, but the success checks did not pass
  blocked    the harness or environment stopped it (app unreachable, browser broke, no actor key)
The participant's self-report and an optional model judge are stored beside the checks, never
instead of them.
"""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record
from mimetic.contracts.evidence import Assertion
from mimetic.contracts.results import ErrorInfo

STUDY_SCHEMA = "mimetic.study.v1"

TaskOutcome = Literal["reached", "abandoned", "failed", "blocked"]
OUTCOMES: tuple[str, ...] = ("reached", "abandoned", "failed", "blocked")


class ActionRecord(Record):
    """One thing the participant did (or tried to do) during an attempt."""

    index: int
    action: str
    label: str = ""
    status: Literal["done", "refused", "failed"] = "done"
    note: str = ""  # the participant's note with the action, or why it was refused/failed
    url: str = ""
    screenshot_path: str | None = None


class Friction(Record):
    """Something that got in the participant's way (a refused pointer action, a control that did nothing)."""

    kind: Literal["refused-pointer", "action-failed"]
    action_index: int
    detail: str


class SelfReport(Record):
    """What the participant says happened: its own claim, never the judgement of the task."""

    claim: Literal["reached", "failed", "gave_up", "none"] = "none"
    note: str = ""


class JudgeVerdict(Record):
    """A model's grade of the final screenshot against the task's rubric (stored beside the checks)."""

    status: Literal["graded", "skipped", "error"]
    verdict: Literal["pass", "fail"] | None = None
    rationale: str = ""
    provider: str | None = None
    model: str | None = None
    cost_usd: float | None = None


class TaskAttempt(Record):
    task_id: str
    outcome: TaskOutcome
    reason: str
    stopped_by: Literal["stopWhen", "participant", "budget", "harness"]
    steps: int = 0
    duration_ms: int = 0
    cost_usd: float | None = 0.0  # None = a model with no known rate (never counted as 0)
    checks: list[Assertion] = Field(default_factory=list)  # the success checks, evaluated at the end
    self_report: SelfReport = Field(default_factory=SelfReport)
    judge: JudgeVerdict | None = None
    friction: list[Friction] = Field(default_factory=list)
    actions: list[ActionRecord] = Field(default_factory=list)
    divergence: int | None = None  # index into actions: where the attempt went off course (evidence step)
    screenshot_path: str | None = None  # the page when the attempt ended


class StudyLane(Record):
    id: str  # also the stream id in run.json
    persona_id: str
    device: str
    input_style: str
    actor: str
    attempts: list[TaskAttempt] = Field(default_factory=list)


class Tally(Record):
    """`reached` of `n` attempts, with the other outcomes counted."""

    reached: int = 0
    n: int = 0
    abandoned: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def rate(self) -> float:
        return self.reached / self.n if self.n else 0.0

    def text(self) -> str:
        return f"{self.reached}/{self.n}"


class TaskTally(Tally):
    task_id: str
    goal: str = ""  # what participants were told (the success checks are never copied here)
    required: bool = True
    friction: int = 0  # attempts with at least one friction record


class PersonaTally(Tally):
    persona_id: str


class FunnelStep(Record):
    task_id: str
    reached: int  # lanes that reached this task and every task before it
    n: int


class StudySummary(Record):
    SCHEMA_ID: ClassVar[str] = STUDY_SCHEMA
    OMIT_NONE: ClassVar[bool] = True
    schema_: Literal["mimetic.study.v1"] = Field(STUDY_SCHEMA, alias="schema")
    scenario_id: str
    actor: str
    ordered: bool = False
    require: float | None = None
    require_met: bool = True
    below_require: list[str] = Field(default_factory=list)  # required task ids whose rate is below `require`
    tasks: list[TaskTally] = Field(default_factory=list)
    personas: list[PersonaTally] = Field(default_factory=list)
    funnel: list[FunnelStep] | None = None
    headline: str = ""
    lanes: list[StudyLane] = Field(default_factory=list)


# --- lab preflight ---------------------------------------------------------------------------------

PREFLIGHT_SCHEMA = "mimetic.lab-preflight-result.v1"


class PreflightCheck(Record):
    """One thing a live run needs: `missing` (not there), `failed` (there but wrong), `ok`, or `skipped`."""

    kind: Literal["manifest", "repo", "app-url", "key", "model", "cost"]
    name: str
    status: Literal["ok", "missing", "failed", "skipped"]
    message: str


class PreflightResult(Record):
    SCHEMA_ID: ClassVar[str] = PREFLIGHT_SCHEMA
    schema_: Literal["mimetic.lab-preflight-result.v1"] = Field(PREFLIGHT_SCHEMA, alias="schema")
    ok: bool
    cwd: str
    lab: str
    kind: str
    path: str
    lanes: int
    cost_ceiling_usd: float | None = None  # lanes x the per-lane USD cap (or the run cap); null = no cap set
    model_turns: int = 0  # always 0: a preflight spends nothing
    checks: list[PreflightCheck] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
