"""Find and stop every process a local lane started, including ones that left its process group.

The bootstrap runs in its own session; the app, nested mimetic commands and Chromium inherit its
environment. Playwright starts Chromium detached (a new session), and a process whose parent died
is re-parented, so neither the session nor the parent chain finds everything. The environment
marker (`MIMETIC_LANE_ROOT=<root>`, read from /proc) does, on Linux; elsewhere the session is used.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")
def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rsplit(")", 1)[-1].split()  # [state, ppid, pgrp, session, ...]


def alive(pid: int) -> bool:
    """Whether a process still runs (a zombie has exited even though its pid still exists)."""
    fields = _stat_fields(pid)
    if fields is not None:
        return fields[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lane_pids(marker: str, session: int | None) -> set[int]:
    """Live processes carrying `marker` (NAME=value) in their environment, or in `session`."""
    own = os.getpid()
    found: set[int] = set()
    if not PROC.is_dir():
        return found
    needle = marker.encode()
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        pid = int(entry.name)
        fields = _stat_fields(pid)
        if fields is None or fields[0] in ("Z", "X"):
            continue
        if session is not None and fields[3] == str(session):
            found.add(pid)
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.add(pid)
    return found


def _signal(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop_lane_processes(marker: str, session: int | None, *, grace_s: float = 3.0) -> None:
    """SIGTERM everything the lane started, then SIGKILL what is left after `grace_s`."""
    if not PROC.is_dir():  # no /proc: the session leader's group is what we can reach
        if session is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(session, sig)
                except (ProcessLookupError, PermissionError):
                    return
                time.sleep(grace_s if sig == signal.SIGTERM else 0)
        return
    deadline = time.monotonic() + grace_s
    pids = lane_pids(marker, session)
    _signal(pids, signal.SIGTERM)
    while pids and time.monotonic() < deadline:
        time.sleep(0.05)
        # A dying bootstrap may still start its EXIT-trap command: pick up newcomers too.
        newcomers = lane_pids(marker, session) - pids
        _signal(newcomers, signal.SIGTERM)
        pids = {pid for pid in pids | newcomers if alive(pid)}
    for _ in range(3):
        left = lane_pids(marker, session)
        if not left:
            return
        _signal(left, signal.SIGKILL)
        time.sleep(0.05)
