"""One task attempt: the gate every participant action passes through, on the live page.

Before an action: the persona's patience (step and time budget) and input style (a keyboard-only
persona's pointer actions are refused, not executed, and recorded as friction). After it: the
persona's reading time (the settle interval), a screenshot, then the task's `stopWhen` rule looked
at once — so an attempt ends within one settle interval of the condition matching.

Ending signals are BaseExceptions on purpose: they must pass through an actor loop's own
`except Exception` handlers, which would otherwise record them as the actor's failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mimetic.browser.steps import AppUnreachable, StepContext, fingerprint, playwright_reason
from mimetic.bundle.store import RunStore
from mimetic.contracts.manifests import ScenarioTask
from mimetic.contracts.study import ActionRecord, Friction
from mimetic.safety.redact import compact_error
from mimetic.studies.behaviour import Behaviour
from mimetic.studies.tasks import evaluate_rule

NOTE_CHARS = 300


class AttemptOver(BaseException):  # noqa: N818 - a signal, not an error
    """The attempt ended before the participant finished: `by` is stopWhen, budget or harness."""

    def __init__(self, by: str, reason: str):
        super().__init__(reason)
        self.by, self.reason = by, reason


class Attempt:
    def __init__(self, page: Any, task: ScenarioTask, behaviour: Behaviour, *, store: RunStore, lane_id: str):
        self.page, self.task, self.behaviour = page, task, behaviour
        self.store, self.lane_id = store, lane_id
        self.ctx = StepContext(page=page, action_timeout_ms=min(15_000, behaviour.time_ms),
                               settle_ms=behaviour.settle_ms)
        self.actions: list[ActionRecord] = []
        self.friction: list[Friction] = []
        self.steps = 0
        self.started = time.monotonic()
        self.deadline = self.started + behaviour.time_ms / 1000
        self.baseline = self._fingerprint()

    # --- the gate -----------------------------------------------------------------------------

    def act(self, action: str, perform: Callable[[], None], *, label: str = "", note: str = "",
            pointer: bool = False) -> bool:
        """Run one participant action through the gate; False when it was refused or did not work."""
        self._check_patience()
        self.steps += 1
        if pointer and self.behaviour.keyboard_only:
            detail = f"{action} refused: this persona uses the keyboard only, so pointer actions are not executed."
            self._record(action, label, "refused", compact_error(f"{note} ({detail})" if note else detail, NOTE_CHARS))
            self.friction.append(Friction(kind="refused-pointer", action_index=len(self.actions) - 1, detail=detail))
            self._after()
            return False
        ok, why = True, note
        try:
            perform()
        except AppUnreachable as exc:
            self._record(action, label, "failed", exc.reason)
            raise AttemptOver("harness", exc.reason) from None
        except Exception as exc:  # noqa: BLE001 - a control that cannot be used is friction, not a crash
            from playwright.sync_api import Error as PlaywrightError

            if not isinstance(exc, PlaywrightError):
                raise
            if self.page.is_closed():
                raise AttemptOver("harness", f"The browser page closed during {action}: {playwright_reason(exc)}") from None
            ok, why = False, f"{action} did not work: {playwright_reason(exc)}"
        self._record(action, label, "done" if ok else "failed", why)
        if not ok:
            self.friction.append(Friction(kind="action-failed", action_index=len(self.actions) - 1, detail=why))
        self._after()
        return ok

    def observe(self, label: str, ok: bool, note: str) -> None:
        """The participant looked for something (not a step of its budget); a miss is where it diverged."""
        self._record("look", label, "done" if ok else "failed", note)

    def _check_patience(self) -> None:
        if self.steps >= self.behaviour.max_steps:
            raise AttemptOver("budget", f"The participant used its whole patience ({self.behaviour.max_steps} "
                                        "actions) without finishing the task.")
        if time.monotonic() >= self.deadline:
            raise AttemptOver("budget", f"The participant ran out of patience ({self.behaviour.time_ms} ms) "
                                        "without finishing the task.")

    def _after(self) -> None:
        self.page.wait_for_timeout(self.behaviour.settle_ms)  # the persona reads the page
        self.actions[-1].screenshot_path = self._screenshot(f"{len(self.actions):03d}")
        stop = self.task.success.stop_when
        if stop is not None:
            matched, _ = evaluate_rule(self.ctx, stop, self.baseline, 0)
            if matched:
                raise AttemptOver("stopWhen", f"stopWhen matched after action {len(self.actions)}.")

    # --- evidence -----------------------------------------------------------------------------

    def _record(self, action: str, label: str, status: str, note: str) -> None:
        self.actions.append(ActionRecord(index=len(self.actions), action=action, label=label, status=status,
                                         note=compact_error(note, NOTE_CHARS) if note else "", url=self._url()))

    def _url(self) -> str:
        try:
            return self.page.url
        except Exception:  # noqa: BLE001 - a closed page has no URL
            return ""

    def _fingerprint(self) -> str:
        try:
            return fingerprint(self.page)
        except Exception:  # noqa: BLE001 - a blank page before the first goto
            return ""

    def screenshot(self, name: str) -> str | None:
        return self._screenshot(name)

    def _screenshot(self, name: str) -> str | None:
        try:
            data = self.page.screenshot(timeout=5000)
        except Exception:  # noqa: BLE001 - a page that cannot be drawn leaves no screenshot, not a crash
            return None
        relative = f"screenshots/{self.lane_id}-{self.task.id}-{name}.png"
        self.store.write_bytes(relative, data)
        return relative

    @property
    def duration_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)
