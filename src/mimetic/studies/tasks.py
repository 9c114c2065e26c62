"""Scenario tasks: the brief a participant is given, and the hidden checks mimetic runs on the live page.

The brief is built from the task's `goal` and the persona only; it never reads `success` or the
judge's rubric (tests/studies/test_tasks.py proves it on a task full of markers). The checks are the
browser expectations scripted steps already use (`browser/steps.py`), evaluated on the page the
participant is working in: `stopWhen` after every action, `success` when the attempt ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from mimetic.browser.steps import (
    StepContext, check_selector_visible, check_state_changed, check_text, check_url_includes,
)
from mimetic.contracts.evidence import Assertion
from mimetic.contracts.manifests import CheckRule, Persona, ScenarioTask, TaskCheck
from mimetic.studies.behaviour import persona_brief


@dataclass(frozen=True)
class Brief:
    """Everything the participant is told about one task."""

    goal: str
    persona_lines: tuple[str, ...]

    def text(self) -> str:
        lines = [*self.persona_lines, f"Your task: {self.goal}",
                 "Use the app the way you normally would. When you are done, or if you give up, say so."]
        return "\n".join(lines)


def brief_for(task: ScenarioTask, persona: Persona | None) -> Brief:
    """The participant's brief for a task: only its goal is read (never `success`, `rubric` or `steps`)."""
    return Brief(goal=task.goal, persona_lines=tuple(persona_brief(persona)))


def run_check(ctx: StepContext, check: TaskCheck, baseline: str, timeout_ms: int) -> list[Assertion]:
    """Every expectation one check names; `stateChanged` compares against the page when the attempt began."""
    results = []
    if check.text is not None:
        results.append(check_text(ctx, check.text, check.selector, timeout_ms))
    if check.selector_visible:
        results.append(check_selector_visible(ctx, check.selector_visible, timeout_ms))
    if check.url_includes:
        results.append(check_url_includes(ctx, check.url_includes, timeout_ms))
    if check.state_changed is not None:
        results.append(check_state_changed(ctx, baseline, check.state_changed, timeout_ms))
    return results


def evaluate_rule(ctx: StepContext, rule: CheckRule, baseline: str, timeout_ms: int) -> tuple[bool, list[Assertion]]:
    """(matched, assertions): all of `allOf` and, when given, at least one of `anyOf`.

    `timeout_ms` 0 looks once (stopWhen after each action); a positive value lets each check settle.
    """
    assertions: list[Assertion] = []
    all_ok = True
    for check in rule.all_of:
        found = run_check(ctx, check, baseline, timeout_ms)
        assertions += found
        all_ok = all_ok and all(a.status == "passed" for a in found)
        if not all_ok and timeout_ms == 0:
            return False, assertions  # a quick look stops at the first miss
    any_ok = not rule.any_of
    for check in rule.any_of:
        found = run_check(ctx, check, baseline, timeout_ms)
        assertions += found
        if all(a.status == "passed" for a in found):
            any_ok = True
            break
    return all_ok and any_ok, assertions
