"""The scripted actor: a task's `steps` played as the participant (keyless, deterministic; for tests and CI).

Actions (goto, fill, press, click, check, selectOption) go through the attempt's gate, so persona
behaviour applies to them as to any actor: pointer actions (click, check, selectOption) are refused
for a keyboard-only persona. `assertText`, `waitForText`, `waitForSelector` and step expectations are
the participant looking at the page: they do not act, but a miss is what the participant reports.
"""

from __future__ import annotations

from mimetic.browser.steps import perform_action
from mimetic.contracts.manifests import BrowserStep
from mimetic.contracts.study import SelfReport
from mimetic.studies.attempt import Attempt
from mimetic.studies.tasks import Brief

LOOKS = frozenset({"assertText", "waitForText", "waitForSelector"})
POINTER = frozenset({"click", "check", "selectOption"})


class ScriptedParticipant:
    kind = "scripted-browser"

    def attempt(self, attempt: Attempt, brief: Brief, start_url: str) -> SelfReport:
        """Play the task's steps; the self-report is whether every expectation the script holds came true."""
        del brief  # a script knows its steps; the goal it was told changes nothing
        misses: list[str] = []
        steps = attempt.task.steps
        if not steps:
            return SelfReport(claim="none", note="The task has no scripted steps; the scripted actor did nothing.")
        for step in steps:
            if step.action in LOOKS:
                ok, note = _look(attempt, step)
            else:
                ok = attempt.act(step.action, lambda s=step: perform_action(attempt.ctx, s, start_url),
                                 label=step.label or step.id, pointer=step.action in POINTER)
                note = f"{step.label or step.id}: the action did not work"
                if ok and step.expect is not None:
                    ok, note = _expectations(attempt, step)
            if not ok:
                misses.append(note)
        if misses:
            return SelfReport(claim="failed", note="; ".join(misses)[:300])
        return SelfReport(claim="reached", note="Every step of the script did what it expected.")


def _look(attempt: Attempt, step: BrowserStep) -> tuple[bool, str]:
    from mimetic.browser.steps import check_selector_visible, check_text

    ctx = attempt.ctx
    # waitFor* is the participant waiting for the page (up to an action's time); assertText is one glance.
    wait_ms = ctx.settle_ms if step.action == "assertText" else ctx.action_timeout_ms
    if step.action == "waitForSelector":
        result = check_selector_visible(ctx, step.selector, wait_ms)
    else:
        text = step.value if step.value is not None else step.expect.text
        result = check_text(ctx, text, step.selector, wait_ms)
    note = f"{step.label or step.id}: expected {result.expected}, saw {result.actual}"
    attempt.observe(step.label or step.id, result.status == "passed", "" if result.status == "passed" else note)
    return result.status == "passed", note


def _expectations(attempt: Attempt, step: BrowserStep) -> tuple[bool, str]:
    from mimetic.contracts.manifests import TaskCheck
    from mimetic.studies.tasks import run_check

    expect = step.expect
    if expect.text is None and not expect.selector_visible and not expect.url_includes:
        return True, ""  # stateChanged alone: the gate already records a control that did nothing
    check = TaskCheck(text=expect.text, selector_visible=expect.selector_visible, url_includes=expect.url_includes)
    results = run_check(attempt.ctx, check, attempt.baseline, attempt.ctx.settle_ms)
    failed = [a for a in results if a.status == "failed"]
    note = "; ".join(f"{step.label or step.id}: expected {a.expected}, saw {a.actual}" for a in failed)
    attempt.observe(step.label or step.id, not failed, note)
    return not failed, note
