"""A model actor as a study participant: the actors' computer-use loop on a gated screen.

Every action the model asks for goes through the attempt's gate (`GatedComputer.act`): the persona's
patience and input style apply, and `stopWhen` is looked at after each one. The model is told the
participant's brief as its goal and nothing of the scenario (whose tasks hold the success checks).
One actor run per task attempt, reported in `actors/<lane>-<task>.json`; its verdict becomes the
participant's self-report, its cost the attempt's cost.
"""

from __future__ import annotations

from typing import Any

from mimetic.actors.computer import Action, StopActing
from mimetic.contracts.evidence import ActorReport
from mimetic.contracts.manifests import LabActor
from mimetic.contracts.study import SelfReport
from mimetic.studies.attempt import Attempt, AttemptOver
from mimetic.studies.tasks import Brief

POINTER_KINDS = frozenset({"click", "double_click", "move", "drag", "scroll"})
NOT_ACTIONS = frozenset({"screenshot", "wait"})  # looking and waiting are not steps of the participant's patience
HEADROOM_STEPS = 5  # the gate enforces the persona's patience; the loop's own cap only backs it up


# How the actor's report names an attempt the study ended (AttemptOver.by -> ActorReport.status).
ENDED_BY_STATUS = {"stopWhen": "passed", "budget": "timed_out"}


class GatedComputer:
    """The lane's screen as the participant may use it. When the attempt ends mid-turn (`stopWhen` matched,
    the persona's patience ran out) the actor's loop is told to stop (`StopActing`) and writes its own report;
    `over` keeps why, for the study."""

    def __init__(self, inner: Any, attempt: Attempt):
        self.inner, self.attempt = inner, attempt
        self.over: AttemptOver | None = None
        self.size = inner.size
        self.environment = getattr(inner, "environment", "linux")

    def screenshot(self) -> bytes:
        return self.inner.screenshot()

    def current_url(self) -> str | None:
        return self.inner.current_url()

    def act(self, action: Action) -> None:
        if action.kind in NOT_ACTIONS:
            self.inner.act(action)
            return
        try:
            self.attempt.act(action.kind, lambda: self.inner.act(action), label=_label(action),
                             pointer=action.kind in POINTER_KINDS)
        except AttemptOver as over:
            self.over = over
            raise StopActing(ENDED_BY_STATUS.get(over.by, "blocked"), f"Ended by the study: {over.reason}") from None


def _label(action: Action) -> str:
    if action.kind in POINTER_KINDS:
        return f"{action.kind} at ({action.x}, {action.y})"
    if action.kind == "type":
        return f"type {len(action.text)} character(s)"  # the text itself may be sensitive; the transcript redacts it
    if action.kind == "keypress":
        return "press " + "+".join(action.keys)
    return action.kind


def self_report(report: ActorReport) -> tuple[SelfReport, str | None]:
    """(the participant's claim, how the harness stopped it or None): the actor's verdict is only a claim."""
    note = report.reason or report.last_message_tail[-300:]
    if report.verdict == "passed":
        return SelfReport(claim="reached", note=note), None
    if report.verdict in ("failed", "blocked"):
        return SelfReport(claim="gave_up", note=note), None
    if report.status == "timed_out":
        return SelfReport(claim="gave_up", note=note), "budget"
    if report.status == "failed" and report.reason.startswith("Loop guard"):
        return SelfReport(claim="gave_up", note=note), None  # stuck repeating itself: the participant gave up
    return SelfReport(claim="none", note=note), "harness"  # no key, an API error, a safety check: not the app


class ModelParticipant:
    def __init__(self, kind: str, lab_actor: LabActor | None):
        self.kind, self.lab_actor = kind, lab_actor
        self.cost_usd: float | None = 0.0

    def attempt(self, attempt: Attempt, brief: Brief, start_url: str) -> SelfReport:
        from mimetic.actors.actor import Brief as ActorBrief
        from mimetic.actors.budget import ActorBudget
        from mimetic.actors.playwright_computer import PlaywrightComputer
        from mimetic.actors.registry import make_actor

        del start_url  # the harness already opened it; the participant starts from the page it sees
        stream_id = f"{attempt.lane_id}-{attempt.task.id}"
        behaviour = attempt.behaviour
        lab = self.lab_actor or LabActor()
        budget = ActorBudget(max_steps=behaviour.max_steps + HEADROOM_STEPS, timeout_ms=behaviour.time_ms,
                             max_usd_per_lane=lab.max_usd_per_lane)
        screen = GatedComputer(PlaywrightComputer(attempt.page), attempt)
        report = make_actor(self.kind, model=lab.model).run(screen, ActorBrief(goal=brief.text()), budget=budget,
                                                            store=attempt.store, stream_id=stream_id)
        self.cost_usd = report.cost_usd
        if screen.over is not None:
            raise screen.over
        claim, stopped_by = self_report(report)
        if stopped_by is not None:
            raise AttemptOver(stopped_by, f"The {self.kind} actor ended {report.status}: {report.reason}")
        return claim

