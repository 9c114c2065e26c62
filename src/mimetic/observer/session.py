"""Staying attached to a served Observer: opening a browser, waiting for Ctrl-C, stopping cleanly."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from mimetic.observer.server import ObserverServer


def open_in_browser(url: str) -> bool:
    """Open a URL in a GUI browser if there is one; never fail, never block the terminal.

    `MIMETIC_NO_OPEN=1` (tests, remote shells) or `CI=true` skips it.
    """
    if os.environ.get("MIMETIC_NO_OPEN") == "1" or os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        return False
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    # Console browsers (lynx, w3m, www-browser) are GenericBrowser and would take over this terminal.
    if isinstance(browser, webbrowser.GenericBrowser) and not isinstance(browser, webbrowser.BackgroundBrowser):
        return False
    try:
        return bool(browser.open(url, new=2))
    except Exception:  # noqa: BLE001 - a missing or broken browser is not an error for watch
        return False


def wants_open(open_flag: bool | None, *, json_mode: bool) -> bool:
    """Upstream's rule: JSON mode opens only with an explicit --open; human mode unless --no-open."""
    return open_flag is True if json_mode else open_flag is not False


def serve_until_interrupted(server: ObserverServer, on_stop: Callable[[], None] | None = None) -> None:
    """Block until Ctrl-C (SIGINT), SIGTERM or SIGHUP, then stop the server; the bundle is left as it is.

    The signals only set an event the main thread waits on: whatever handler a finished run left in place
    (`mimetic.interrupts`), the server stops on the first one."""
    from mimetic.interrupts import stop_signals

    stop = threading.Event()
    try:
        with stop_signals(lambda signum, frame: stop.set()):
            while not stop.wait(0.25):
                pass
    except KeyboardInterrupt:  # a Ctrl-C just before the handlers above were in place
        pass
    finally:
        server.stop()
    if on_stop is not None:
        on_stop()
