"""The explorer's hands and eyes on one Playwright page: perform an action, wait for the page to settle,
read its controls and state, and record what the page did meanwhile (errors, requests, dialogs).

Shared by the walk and the replay, so a recorded path means the same thing both times.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from mimetic.contracts.explorer import ExplorerAction
from mimetic.safety.redact import compact_error

ACTION_TIMEOUT_MS = 3000  # a control found a moment ago should be actionable at once
GOTO_TIMEOUT_MS = 15000  # a page load waits at least this long; the persona's patience judges "slow" after
QUIET_MS = 60  # the DOM has settled after this long without a mutation
MAX_EVENTS = 200
LONG_LIVED = frozenset({"eventsource", "websocket"})  # never finish; not "in flight"


@cache
def page_script() -> str:
    return files("mimetic.explorer").joinpath("page.js").read_text(encoding="utf-8")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PageEvents:
    """What the page did, in order; `Mark` slices it per action."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    http_errors: list[tuple[str, str, int]] = field(default_factory=list)  # method, route, status
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # method, route, failure
    requests: list[tuple[str, str]] = field(default_factory=list)  # method, route (on the origin)
    dialogs: int = 0
    popups: int = 0


@dataclass(frozen=True)
class Mark:
    page_errors: int
    console_errors: int
    http_errors: int
    failed: int
    requests: int
    dialogs: int
    popups: int


class Driver:
    def __init__(self, page: Any, app_url: str):
        self.page = page
        self.origin = origin_of(app_url)
        self.events = PageEvents()
        self.inflight = 0
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._keep(self.events.page_errors, f"{error.name}: {error.message}"))
        page.on("request", self._request)
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        page.on("dialog", self._dialog)
        page.on("popup", self._popup)

    # --- events -------------------------------------------------------------------------------------

    def _keep(self, bucket: list, item: Any) -> None:
        if len(bucket) < MAX_EVENTS:
            bucket.append(item)

    def text(self, raw: str) -> str:
        """Event text without the app's origin (its port changes between runs) and bounded."""
        return compact_error(raw.replace(self.origin, ""), 300)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self._keep(self.events.console_errors, self.text(message.text))

    def on_origin(self, url: str) -> bool:
        return origin_of(url) == self.origin

    def route_of(self, url: str) -> str:
        parts = urlsplit(url)
        route = parts.path or "/"
        return route + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")

    def _request(self, request: Any) -> None:
        if request.resource_type not in LONG_LIVED:
            self.inflight += 1
        if self.on_origin(request.url):
            self._keep(self.events.requests, (request.method, self.route_of(request.url)))

    def _done(self, request: Any) -> None:
        if request.resource_type not in LONG_LIVED:
            self.inflight = max(0, self.inflight - 1)

    def _request_failed(self, request: Any) -> None:
        self._done(request)
        failure = request.failure or "failed"
        # A navigation cancels requests still in flight; that is the page moving on, not the app failing.
        if self.on_origin(request.url) and "ERR_ABORTED" not in failure:
            self._keep(self.events.failed, (request.method, self.route_of(request.url), self.text(failure)))

    def _response(self, response: Any) -> None:
        if response.status >= 400 and self.on_origin(response.url):
            self._keep(self.events.http_errors, (response.request.method, self.route_of(response.url), response.status))

    def _dialog(self, dialog: Any) -> None:
        self.events.dialogs += 1
        try:
            dialog.dismiss()
        except Exception:  # noqa: BLE001 - the page may already be gone
            pass

    def _popup(self, popup: Any) -> None:
        self.events.popups += 1  # a new window is a response to the click; the explorer stays in its own page
        try:
            popup.close()
        except Exception:  # noqa: BLE001
            pass

    def mark(self) -> Mark:
        e = self.events
        return Mark(len(e.page_errors), len(e.console_errors), len(e.http_errors), len(e.failed), len(e.requests),
                    e.dialogs, e.popups)

    # --- reading the page ---------------------------------------------------------------------------

    def call(self, name: str, arg: Any = None) -> Any:
        from playwright.sync_api import Error as PlaywrightError

        for attempt in range(3):
            try:
                return self.page.evaluate(f"(arg) => ({page_script()}).{name}(arg)", arg)
            except PlaywrightError as exc:  # a navigation replaced the document under us: read the new one
                if attempt == 2 or "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                    raise
                self.page.wait_for_load_state("domcontentloaded", timeout=GOTO_TIMEOUT_MS)
        raise AssertionError("unreachable")

    @property
    def route(self) -> str:
        return self.route_of(self.page.url)

    def on_app(self) -> bool:
        return self.on_origin(self.page.url)

    def fingerprint(self) -> str:
        """A state: the route plus the visible accessibility tree (Playwright's ARIA snapshot of the body)."""
        try:
            tree = self.page.locator("body").aria_snapshot(timeout=ACTION_TIMEOUT_MS)
        except Exception:  # noqa: BLE001 - a page without a body (a download, a blank error page)
            tree = ""
        return hashlib.sha256(f"{self.route}\n{tree}".encode()).hexdigest()[:12]

    def digest(self) -> str:
        return str(self.call("digest"))

    def settle(self, patience_ms: int) -> bool:
        """Wait until no request is in flight and the DOM is quiet; False if that took longer than patience."""
        from playwright.sync_api import Error as PlaywrightError

        deadline = time.monotonic() + patience_ms / 1000
        while (remaining := int((deadline - time.monotonic()) * 1000)) > 0:
            try:
                self.page.wait_for_load_state("load", timeout=remaining)
                if self.inflight:
                    self.page.wait_for_timeout(min(20, remaining))  # pumps Playwright's events until requests end
                    continue
                if self.call("settle", {"quiet": QUIET_MS, "cap": min(remaining, 1000)}) and not self.inflight:
                    return True
            except PlaywrightError:
                if time.monotonic() >= deadline:
                    break
        return False

    # --- acting -------------------------------------------------------------------------------------

    def perform(self, action: ExplorerAction) -> None:
        """Raises playwright's Error if the control cannot be used (gone, covered, detached)."""
        page, kind = self.page, action.kind
        if kind == "goto":
            page.goto(self.origin + (action.value or "/"), wait_until="domcontentloaded", timeout=GOTO_TIMEOUT_MS)
        elif kind == "press":
            for _ in range(action.count):
                page.keyboard.press(action.value or "Tab")
        elif kind == "type":
            page.keyboard.type(action.value or "")
        else:
            target = page.locator(action.target or "body").first
            if kind == "click":
                target.click(timeout=ACTION_TIMEOUT_MS)
            elif kind == "tap":
                target.tap(timeout=ACTION_TIMEOUT_MS)
            elif kind == "fill":
                target.fill(action.value or "", timeout=ACTION_TIMEOUT_MS)
            elif kind == "select":
                target.select_option(action.value or "", timeout=ACTION_TIMEOUT_MS)

    def screenshot(self) -> bytes | None:
        try:
            return self.page.screenshot(timeout=5000)
        except Exception:  # noqa: BLE001 - evidence is best effort; the finding stands without it
            return None
