"""The settle wait: after actions, the next screenshot is taken once the screen has stopped changing.

A click starts requests, renders and navigations; a screenshot taken at once shows a half-drawn page
and the model reacts to that. The screen counts as settled when two screenshots `quiet_ms` apart are
identical; the wait never exceeds `limit_ms` (an animation that never stops just ends the wait). The
last screenshot is returned, so the settled screen costs no extra capture.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_QUIET_MS = 300
DEFAULT_LIMIT_MS = 3000


@dataclass(frozen=True)
class Settle:
    quiet_ms: int = DEFAULT_QUIET_MS
    limit_ms: int = DEFAULT_LIMIT_MS


def fingerprint(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()


def settled_screenshot(capture: Callable[[], bytes], settle: Settle, deadline: float) -> bytes:
    """Screenshots until one equals the one `quiet_ms` before it, or `limit_ms` (or the deadline) passes."""
    stop = min(time.monotonic() + settle.limit_ms / 1000, deadline)
    shot = capture()
    while settle.quiet_ms > 0 and time.monotonic() < stop:
        time.sleep(min(settle.quiet_ms / 1000, max(stop - time.monotonic(), 0)))
        following = capture()
        if following == shot:
            return following
        shot = following
    return shot
