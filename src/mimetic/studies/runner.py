"""Run a study: every persona (a lane) attempts the scenario's tasks on the live app with an actor.

One Chromium per run, one context per lane sized by the persona's device. Unordered tasks each
start at the app's start URL; ordered tasks continue in the same page (the funnel). The harness
opens the start URL itself; an app that cannot be reached blocks the lane's remaining attempts.
After each attempt mimetic checks `success` on the page (each check may take FINAL_CHECK_MS to come
true), takes the final screenshot, and asks the judge when the task wants one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin

from mimetic.browser.steps import AppUnreachable, goto
from mimetic.bundle.store import RunStore
from mimetic.contracts.manifests import ScenarioTask
from mimetic.contracts.study import SelfReport, StudyLane, TaskAttempt
from mimetic.safety.redact import compact_error
from mimetic.studies.attempt import Attempt, AttemptOver
from mimetic.studies.behaviour import Behaviour, behaviour_of
from mimetic.studies.outcomes import decide, divergence_of
from mimetic.studies.plan import StudyPersona, StudyPlan
from mimetic.studies.tasks import Brief, brief_for, evaluate_rule


class Participant(Protocol):
    """An actor taking part in a study. Every page action goes through `attempt.act` (the gate)."""

    kind: str

    def attempt(self, attempt: Attempt, brief: Brief, start_url: str) -> SelfReport: ...


# The harness opens the start URL with a generous budget: a dev server compiles on first load, and that
# wait is the environment's, not the participant's (whose patience budget starts after it).
OPEN_TIMEOUT_MS = 90_000
# After the attempt, each success check may take this long to come true (a real app renders after its
# data loads); a participant's reading speed is its own pace, not the harness's patience.
FINAL_CHECK_MS = 5000
Judge = Any  # studies.judge.Judge; typed loosely so a study without a judge imports nothing of it


@dataclass
class LaneRun:
    lane: StudyLane
    behaviour: Behaviour
    last_screenshot: str | None = None


def lane_id_for(index: int, persona: StudyPersona) -> str:
    return f"study-{index + 1:02d}-{persona.ref.id}"[:100]


def start_url_for(plan: StudyPlan, task: ScenarioTask) -> str:
    return urljoin(plan.app_url, task.start_path) if task.start_path else plan.app_url


def _blocked(task: ScenarioTask, reason: str) -> TaskAttempt:
    return TaskAttempt(task_id=task.id, outcome="blocked", reason=compact_error(reason, 400), stopped_by="harness")


def run_task(page: Any, plan: StudyPlan, task: ScenarioTask, persona: StudyPersona, behaviour: Behaviour,
             participant: Participant, *, store: RunStore, lane_id: str, fresh: bool,
             judge: Judge | None = None) -> TaskAttempt:
    from mimetic.browser.steps import StepContext

    start_url = start_url_for(plan, task)
    if fresh:
        try:
            goto(StepContext(page=page, action_timeout_ms=OPEN_TIMEOUT_MS, settle_ms=behaviour.settle_ms), start_url)
        except AppUnreachable as exc:
            return _blocked(task, exc.reason)
    attempt = Attempt(page, task, behaviour, store=store, lane_id=lane_id)
    brief = brief_for(task, persona.model)
    stopped_by, reason, report = "participant", "", SelfReport()
    try:
        report = participant.attempt(attempt, brief, start_url)
        reason = "The participant finished."
    except AttemptOver as over:
        stopped_by, reason = over.by, over.reason
    if stopped_by == "harness":
        checks, passed = [], False
    else:
        passed, checks = evaluate_rule(attempt.ctx, task.success, attempt.baseline,
                                       max(behaviour.settle_ms, FINAL_CHECK_MS))
    outcome = decide(checks_passed=passed, stopped_by=stopped_by, claim=report.claim)
    shot = attempt.screenshot("final")
    result = TaskAttempt(
        task_id=task.id, outcome=outcome, reason=_reason(outcome, reason, checks), stopped_by=stopped_by,
        steps=attempt.steps, duration_ms=attempt.duration_ms, cost_usd=getattr(participant, "cost_usd", 0.0),
        checks=checks, self_report=report, friction=attempt.friction, actions=attempt.actions, screenshot_path=shot)
    result.divergence = divergence_of(result)
    if task.judge == "model" and judge is not None:
        result.judge = judge.grade(task, shot, store)
    return result


def _reason(outcome: str, reason: str, checks: list) -> str:
    failed = [a for a in checks if a.status == "failed"]
    if outcome == "reached":
        return compact_error(f"Success checks passed. {reason}", 400)
    if failed:
        first = failed[0]
        return compact_error(f"{reason} Success check not met: expected {first.expected}; actual {first.actual}.", 400)
    return compact_error(reason, 400)


def run_lane(page: Any, plan: StudyPlan, persona: StudyPersona, participant: Participant, *, store: RunStore,
             lane_id: str, judge: Judge | None = None) -> LaneRun:
    behaviour = behaviour_of(persona.model)
    lane = StudyLane(id=lane_id, persona_id=persona.ref.id, device=behaviour.device,
                     input_style=behaviour.input_style, actor=participant.kind)
    run = LaneRun(lane=lane, behaviour=behaviour)
    harness_stop = ""
    for index, task in enumerate(plan.scenario.tasks):
        if harness_stop and plan.scenario.ordered:
            lane.attempts.append(_blocked(task, f"Not attempted: {harness_stop}"))
            continue
        attempt = run_task(page, plan, task, persona, behaviour, participant, store=store, lane_id=lane_id,
                           fresh=index == 0 or not plan.scenario.ordered, judge=judge)
        lane.attempts.append(attempt)
        run.last_screenshot = attempt.screenshot_path or run.last_screenshot
        if attempt.outcome == "blocked":
            harness_stop = attempt.reason
    return run
