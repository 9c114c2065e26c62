"""The surface an actor drives: a screen it can see and act on.

Implemented by a Playwright page (local substrate, `mimetic run --app-url --actor openai-cua`) and by
an E2B desktop (the e2b substrate). The vocabulary is OpenAI's computer-use actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

ActionKind = Literal["click", "double_click", "move", "drag", "scroll", "type", "keypress", "wait", "screenshot"]


@dataclass(frozen=True)
class Action:
    """One input step. `keys` is the key combination of a keypress, and the modifier keys held during a
    pointer action (shift-click); `ms` is how long a wait lasts."""

    kind: ActionKind
    x: int = 0
    y: int = 0
    button: str = "left"
    path: tuple[tuple[int, int], ...] = ()
    scroll_x: int = 0
    scroll_y: int = 0
    text: str = ""
    keys: tuple[str, ...] = ()
    ms: int = 0


class StopActing(Exception):  # noqa: N818 - an outcome, not an error
    """Raised by a computer's `act()` when whoever owns the screen ends the session (a study's `stopWhen`, a
    participant's budget): the loop stops at once and its report says `status` and `reason`."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@runtime_checkable
class Computer(Protocol):
    """A screen: `size` in pixels, a PNG `screenshot()`, and `act()` for one action.

    An implementation may also set `environment` (the computer-use tool's environment name:
    `browser` for a page); without it the actor assumes a Linux desktop.
    """

    size: tuple[int, int]

    def screenshot(self) -> bytes: ...

    def act(self, action: Action) -> None: ...

    def current_url(self) -> str | None:
        """Where the actor is (a page URL), when the surface knows; None on a desktop."""
        ...


# OpenAI computer-use models name keys loosely ("RETURN", "ESC", "LEFT", "PAGE_UP", "CMD"...). Every
# screen folds them to one canonical name first, then maps that name to its own key vocabulary.
KEY_ALIASES: dict[str, str] = {
    "RETURN": "ENTER", "ESC": "ESCAPE", "DEL": "DELETE", "LEFT": "ARROWLEFT", "RIGHT": "ARROWRIGHT",
    "UP": "ARROWUP", "DOWN": "ARROWDOWN", "PAGE_UP": "PAGEUP", "PAGE_DOWN": "PAGEDOWN", "CONTROL": "CTRL",
    "OPTION": "ALT", "CMD": "META", "COMMAND": "META", "SUPER": "META", "WIN": "META", "WINDOWS": "META",
    "CAPS_LOCK": "CAPSLOCK", "PRINT": "PRINTSCREEN",
}


def canonical_key(name: str) -> str:
    """A multi-character key name in canonical form (upper case, no spaces, aliases folded)."""
    folded = name.upper().replace(" ", "")
    return KEY_ALIASES.get(folded, folded)
