"""Outcomes with their denominators: one outcome per attempt, tallied per task, per persona and as a funnel.

`reached` is decided by mimetic's checks alone. Otherwise the harness stopping the attempt makes it
`blocked`, the participant giving up (saying so, or running out of patience) makes it `abandoned`,
and a participant that finished without the checks passing `failed`.
"""

from __future__ import annotations

from collections.abc import Iterable

from mimetic.contracts.manifests import Scenario
from mimetic.contracts.study import (
    OUTCOMES, FunnelStep, PersonaTally, StudyLane, StudySummary, TaskAttempt, TaskTally, Tally,
)


def decide(*, checks_passed: bool, stopped_by: str, claim: str) -> str:
    if stopped_by == "harness":
        return "blocked"
    if checks_passed:
        return "reached"
    if stopped_by == "budget" or claim == "gave_up":
        return "abandoned"
    return "failed"


def divergence_of(attempt: TaskAttempt) -> int | None:
    """The evidence step: the first action refused or gone wrong, else the last one (where it stopped)."""
    if attempt.outcome == "reached" or not attempt.actions:
        return None
    wrong = next((a.index for a in attempt.actions if a.status != "done"), None)
    return wrong if wrong is not None else attempt.actions[-1].index


def _count(tally: Tally, attempts: Iterable[TaskAttempt]) -> None:
    for attempt in attempts:
        tally.n += 1
        setattr(tally, attempt.outcome, getattr(tally, attempt.outcome) + 1)


def summarise(scenario: Scenario, lanes: list[StudyLane], *, actor: str, require: float | None) -> StudySummary:
    tasks = []
    for task in scenario.tasks:
        attempts = [a for lane in lanes for a in lane.attempts if a.task_id == task.id]
        tally = TaskTally(task_id=task.id, goal=task.goal, required=task.required, friction=sum(bool(a.friction) for a in attempts))
        _count(tally, attempts)
        tasks.append(tally)
    personas: dict[str, PersonaTally] = {}
    for lane in lanes:
        _count(personas.setdefault(lane.persona_id, PersonaTally(persona_id=lane.persona_id)), lane.attempts)
    funnel = None
    if scenario.ordered:
        funnel = []
        for index, task in enumerate(scenario.tasks):
            wanted = {t.id for t in scenario.tasks[: index + 1]}
            reached = sum(wanted <= {a.task_id for a in lane.attempts if a.outcome == "reached"} for lane in lanes)
            funnel.append(FunnelStep(task_id=task.id, reached=reached, n=len(lanes)))
    below = [t.task_id for t in tasks if require is not None and t.required and t.rate < require]
    summary = StudySummary(scenario_id=scenario.id, actor=actor, ordered=scenario.ordered, require=require,
                           require_met=not below, below_require=below, tasks=tasks, personas=list(personas.values()),
                           funnel=funnel, lanes=lanes)
    summary.headline = headline(summary)
    return summary


def headline(summary: StudySummary) -> str:
    """`1/2 participants reached every task, 1 reported friction; tasks: add-todo 2/2, ...`."""
    lanes = summary.lanes
    every = sum(all(a.outcome == "reached" for a in lane.attempts) and bool(lane.attempts) for lane in lanes)
    friction = sum(any(a.friction for a in lane.attempts) for lane in lanes)
    parts = [f"{every}/{len(lanes)} participant(s) reached every task"]
    if friction:
        parts[0] += f", {friction} met friction"
    parts.append("tasks: " + ", ".join(f"{t.task_id} {t.text()}" for t in summary.tasks))
    if summary.funnel:
        parts.append("funnel: " + " > ".join(f"{f.task_id} {f.reached}/{f.n}" for f in summary.funnel))
    return "; ".join(parts)


def outcome_counts(tally: Tally) -> str:
    """`2/3 reached (1 failed)`: the other outcomes only when there are any."""
    others = [f"{getattr(tally, name)} {name}" for name in OUTCOMES[1:] if getattr(tally, name)]
    return f"{tally.text()} reached" + (f" ({', '.join(others)})" if others else "")
