"""The actor's screen on a touch viewport: taps instead of mouse clicks, everything else as on desktop.

A phone has no mouse: a left click from the model becomes a tap at the same point, so touch-only
handlers (and a page that ignores mouse events on mobile) are exercised the way a person would.
"""

from __future__ import annotations

from typing import Any

from mimetic.actors.computer import Action
from mimetic.actors.playwright_computer import PlaywrightComputer

TAP_SETTLE_MS = 250  # time for the handlers a tap triggered to start their work before the next screenshot


class TouchComputer:
    """Delegates to a PlaywrightComputer; only left clicks become taps."""

    def __init__(self, page: Any):
        self._inner = PlaywrightComputer(page)
        self.page = page
        self.environment = self._inner.environment
        self.size = self._inner.size

    def screenshot(self) -> bytes:
        return self._inner.screenshot()

    def current_url(self) -> str | None:
        return self._inner.current_url()

    def act(self, action: Action) -> None:
        if action.kind == "click" and action.button == "left" and not action.keys:
            self.page.touchscreen.tap(action.x, action.y)
            self.page.wait_for_timeout(TAP_SETTLE_MS)
            return
        self._inner.act(action)


def screen_for(page: Any, *, touch: bool) -> Any:
    return TouchComputer(page) if touch else PlaywrightComputer(page)
