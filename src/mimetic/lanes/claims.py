"""What a local lane says about itself is a claim; the host believes only what it checks itself.

The host gives each local lane one loopback port. The lane's `completion.json` must name its app at
that port (any loopback spelling), and a "passed" lane must answer the host's own HTTP probe and have a
real PNG screenshot. The host-side browser (the actor's screen) is confined to that one origin: it
never navigates to `file:`, `chrome:`, `data:` or any other origin, whatever the app's page does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.probe import answers

CLAIM_PROBE_TIMEOUT_S = 30.0

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


def claim_problem(completion: BootstrapCompletion, *, port: int, screenshot: bytes | None) -> str | None:
    """Why the host refuses the lane's record, or None when what it claims holds up."""
    given = lane_app_url(port)
    claimed = loopback_port(completion.app_url) if completion.app_url is not None else port
    if claimed is None:
        scheme = urlsplit(completion.app_url).scheme or "unparseable"
        return (f"Forged completion: completion.json names an app URL ({scheme}:) other than {given}, the only "
                "address the host gave this lane; refused.")
    if claimed != port:  # another lane's app, the Observer or any local service could be listening there
        return (f"Refused completion: the app answered on loopback port {claimed}, not on {port}, the port the host "
                "gave this lane ($PORT); the host only trusts its own port.")
    if completion.status != "passed":
        return None
    if completion.app_url is None:
        return f"Forged completion: completion.json claims passed without an app URL; the host gave {given}."
    # A dev server on a busy machine may take seconds to answer; nothing listening is refused at once.
    if not answers("127.0.0.1", port, timeout_s=CLAIM_PROBE_TIMEOUT_S):
        return f"Forged completion: completion.json claims passed, but the host's own probe of {given} got no answer."
    if not is_png(screenshot):
        return "Forged completion: completion.json claims passed, but the lane has no real PNG screenshot of its app."
    return None


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
