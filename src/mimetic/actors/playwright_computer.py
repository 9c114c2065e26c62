"""`PlaywrightComputer`: mimetic's computer actions on a Playwright sync `Page` (the local substrate and
`mimetic run --app-url --actor ...`). Coordinates are viewport CSS pixels, and so is the screenshot the
model sees (`scale="css"`): on a DPR 3 phone viewport a model's (x, y) lands where it pointed, not at a
third of it. `.page` is the live page, for actors that drive Playwright directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mimetic.actors.computer import Action, canonical_key
from mimetic.errors import MimeticError

# Canonical key names (see actors.computer.canonical_key) -> Playwright's (`keyboard.press` rejects others).
KEYS: dict[str, str] = {
    "ENTER": "Enter", "ESCAPE": "Escape", "TAB": "Tab", "SPACE": "Space", "BACKSPACE": "Backspace",
    "DELETE": "Delete", "INSERT": "Insert", "ARROWLEFT": "ArrowLeft", "ARROWRIGHT": "ArrowRight",
    "ARROWUP": "ArrowUp", "ARROWDOWN": "ArrowDown", "HOME": "Home", "END": "End", "PAGEUP": "PageUp",
    "PAGEDOWN": "PageDown", "CTRL": "Control", "ALT": "Alt", "SHIFT": "Shift", "META": "Meta",
    "CAPSLOCK": "CapsLock", "NUMLOCK": "NumLock", "SCROLLLOCK": "ScrollLock", "PRINTSCREEN": "PrintScreen",
    "PAUSE": "Pause", "MENU": "ContextMenu", "PLUS": "+", "MINUS": "-",
    **{f"F{n}": f"F{n}" for n in range(1, 13)},
}
BUTTONS = {"left": "left", "right": "right", "wheel": "middle", "middle": "middle"}
MAX_WAIT_MS = 10_000
LOAD_TIMEOUT_MS = 5000


def key_name(key: str) -> str:
    """An OpenAI key name as a Playwright key (single characters pass through as typed)."""
    if len(key) == 1:
        return key
    mapped = KEYS.get(canonical_key(key))
    if mapped is None:
        raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", f"Unknown key name: {key[:40]!r}")
    return mapped


class PlaywrightComputer:
    environment = "browser"

    def __init__(self, page: Any):
        self.page = page
        viewport = page.viewport_size or {"width": 1440, "height": 960}
        self.size = (int(viewport["width"]), int(viewport["height"]))

    def screenshot(self) -> bytes:
        return self.page.screenshot(type="png", scale="css", timeout=10_000)

    def current_url(self) -> str | None:
        return self.page.url

    def act(self, action: Action) -> None:
        page, kind = self.page, action.kind
        if kind == "screenshot":
            return  # the session takes a screenshot after every model turn anyway
        if kind == "wait":
            page.wait_for_timeout(min(action.ms or 1000, MAX_WAIT_MS))
            return
        if kind == "type":
            page.keyboard.type(action.text)
        elif kind == "keypress":
            if not action.keys:
                raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", "keypress needs at least one key.")
            page.keyboard.press("+".join(key_name(k) for k in action.keys))
        else:
            with self._holding(action.keys):
                self._pointer(action)
        self._settle()

    def _pointer(self, action: Action) -> None:
        page, mouse, kind = self.page, self.page.mouse, action.kind
        if kind == "click":
            if action.button == "back":
                page.go_back()
            elif action.button == "forward":
                page.go_forward()
            elif action.button in BUTTONS:
                mouse.click(action.x, action.y, button=BUTTONS[action.button])
            else:
                raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", f"Unknown mouse button: {action.button!r}")
        elif kind == "double_click":
            mouse.dblclick(action.x, action.y)
        elif kind == "move":
            mouse.move(action.x, action.y)
        elif kind == "scroll":
            mouse.move(action.x, action.y)
            mouse.wheel(action.scroll_x, action.scroll_y)
        elif kind == "drag":
            if not action.path:
                raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", "drag needs a path of at least one point.")
            (x0, y0), rest = action.path[0], action.path[1:]
            mouse.move(x0, y0)
            mouse.down()
            try:
                for x, y in rest:
                    mouse.move(x, y, steps=5)
            finally:
                mouse.up()
        else:
            raise MimeticError("MIMETIC_ACTOR_ACTION_INVALID", f"Unknown computer action: {kind!r}")

    @contextmanager
    def _holding(self, keys: tuple[str, ...]) -> Iterator[None]:
        """Hold modifier keys (shift-click, ctrl-scroll) for the duration of a pointer action."""
        names = [key_name(k) for k in keys]
        for name in names:
            self.page.keyboard.down(name)
        try:
            yield
        finally:
            for name in reversed(names):
                self.page.keyboard.up(name)

    def _settle(self) -> None:
        """A navigation the action started loads before the next action (the session's settle wait then waits
        for the screen to stop changing)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_load_state("load", timeout=LOAD_TIMEOUT_MS)
        except PlaywrightTimeout:
            pass  # a slow navigation: the screenshot shows what there is, and the model can wait
