"""What a local lane says about itself is a claim; the host believes only what it checks itself.

The host gives each local lane one loopback port. The lane's `completion.json` must name its app at
that port (any loopback spelling), and a "passed" lane must answer the host's own HTTP probe, have a
real PNG screenshot, and show something in the host's own look: the host loads the app in its own
headless Chromium and takes its own screenshot, which must not be blank (one colour). The lane's
screenshots are claims; the host's is evidence, kept in the bundle. The host-side browser (the look,
then the actor's screen) is confined to that one origin: it never navigates to `file:`, `chrome:`,
`data:` or any other origin, whatever the app's page does.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.probe import answers

CLAIM_PROBE_TIMEOUT_S = 30.0
HOST_LOOK_BUDGET_MS = 30_000  # the host's own page load (the nested proof already warmed the dev server)
HOST_SCREENSHOT_PATH = "screenshots/{token}-host.png"

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def lane_app_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def loopback_port(url: str | None) -> int | None:
    """The port of `http://<loopback>:<port>[/...]`, or None for anything else (file:, another host, no port)."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_NAMES or parts.username or parts.password:
        return None
    return port


def is_png(data: bytes | None) -> bool:
    return bool(data) and data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"


@dataclass(frozen=True)
class HostLook:
    """What the host's own browser saw of the lane's app: its screenshot (evidence) and why it disagrees, if it does."""

    screenshot: bytes | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ClaimCheck:
    """The host's verdict on a lane's record: why it refuses it (None: it holds up), and its own screenshot."""

    problem: str | None = None
    host_screenshot: bytes | None = None


def is_blank(png: bytes) -> bool:
    """Whether a screenshot shows nothing: every pixel the same colour (an empty page, a white shell)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB").getcolors(maxcolors=1) is not None


def look_at_app(page: Any, port: int, *, budget_ms: int = HOST_LOOK_BUDGET_MS) -> HostLook:
    """Load the lane's app (never a URL the lane named) in the host's own confined page and screenshot it.

    A page that is still rendering gets until the budget to show something; a blank one is a disagreement."""
    from playwright.sync_api import Error as PlaywrightError

    from mimetic.browser.load import LoadTimeout, load

    url = lane_app_url(port)
    deadline = time.monotonic() + budget_ms / 1000
    try:
        load(page, url, timeout_ms=budget_ms, budget_ms=budget_ms)
        shot = page.screenshot(timeout=10_000)
        while is_blank(shot) and time.monotonic() < deadline:
            page.wait_for_timeout(500)  # an app that renders after its document loads
            shot = page.screenshot(timeout=10_000)
    except (LoadTimeout, PlaywrightError) as exc:
        from mimetic.safety.redact import compact_error

        return HostLook(problem=f"the host's own browser could not load {url} ({compact_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)})")
    if is_blank(shot):
        return HostLook(shot, f"the host's own screenshot of {url} is blank (one colour)")
    return HostLook(shot)


def check_claim(completion: BootstrapCompletion, *, port: int, screenshot: bytes | None,
                look: Callable[[], HostLook]) -> ClaimCheck:
    """Why the host refuses the lane's record (None when what it claims holds up), with the host's own screenshot.

    `look` is the host's own look at the app; it is taken only for a "passed" the other checks let through."""
    given = lane_app_url(port)
    claimed = loopback_port(completion.app_url) if completion.app_url is not None else port
    if claimed is None:
        scheme = urlsplit(completion.app_url).scheme or "unparseable"
        return ClaimCheck(f"Forged completion: completion.json names an app URL ({scheme}:) other than {given}, the "
                          "only address the host gave this lane; refused.")
    if claimed != port:  # another lane's app, the Observer or any local service could be listening there
        return ClaimCheck(f"Refused completion: the app answered on loopback port {claimed}, not on {port}, the port the "
                          "host gave this lane ($PORT); the host only trusts its own port.")
    if completion.status != "passed":
        return ClaimCheck()
    if completion.app_url is None:
        return ClaimCheck(f"Forged completion: completion.json claims passed without an app URL; the host gave {given}.")
    # A dev server on a busy machine may take seconds to answer; nothing listening is refused at once.
    if not answers("127.0.0.1", port, timeout_s=CLAIM_PROBE_TIMEOUT_S):
        return ClaimCheck(f"Forged completion: completion.json claims passed, but the host's own probe of {given} got "
                          "no answer.")
    if not is_png(screenshot):
        return ClaimCheck("Forged completion: completion.json claims passed, but the lane has no real PNG screenshot "
                          "of its app.")
    seen = look()
    if seen.problem is not None:
        return ClaimCheck(f"Forged completion: completion.json claims passed, but {seen.problem}: the lane's claim and "
                          "the host's own look disagree.", seen.screenshot)
    return ClaimCheck(host_screenshot=seen.screenshot)


def same_origin(url: str, origin: str) -> bool:
    try:
        a, b = urlsplit(url), urlsplit(origin)
        return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
    except ValueError:
        return False


def confine_to_origin(context: Any, origin: str) -> None:
    """Abort every navigation of a Playwright browser context that leaves `origin` (sub-resources still load)."""

    def guard(route: Any, request: Any) -> None:
        if request.is_navigation_request() and not same_origin(request.url, origin):
            route.abort("blockedbyclient")
        else:
            route.continue_()

    context.route("**/*", guard)
