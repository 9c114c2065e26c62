"""Wait until a started app answers: localhost, 127.0.0.1 and [::1] on each candidate port.

Any HTTP status below 500 counts as ready (upstream §9.1 #9: Vite may answer only on localhost). A port
counts only when the answer can be the lane's own: lanes share the machine's network, so a fixed port in a
repo's scripts (Vite's 5173) may already be held by another lane's copy of the same app. Inside a lane's
sandbox /proc shows only the lane's processes, so a port no visible process listens on is someone else's.
"""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Sequence
from pathlib import Path

from mimetic.lanes.processes import alive

PROBE_HOSTS = ("127.0.0.1", "localhost", "::1")


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def answers(host: str, port: int, timeout_s: float = 2.0) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        connection.request("GET", "/", headers={"User-Agent": "mimetic-lane-probe"})
        return connection.getresponse().status < 500
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _listening_sockets(port: int) -> set[str]:
    """`socket:[inode]` of every TCP socket listening on `port` (state 0A in /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[-1], 16) == port:
                found.add(f"socket:[{fields[9]}]")
    return found


def listened_on_here(port: int) -> bool | None:
    """Whether a process this one can see listens on `port`; None when /proc cannot tell (no tables, or a
    process whose descriptors it may not read: on a shared host that could be the listener)."""
    sockets = _listening_sockets(port)
    if not sockets:
        return None
    unreadable = False
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            for fd in os.scandir(f"/proc/{entry.name}/fd"):
                if os.readlink(fd.path) in sockets:
                    return True
        except FileNotFoundError:
            continue  # the process ended meanwhile
        except OSError:
            unreadable = True
    return None if unreadable else False


def wait_ready(ports: Sequence[int], *, timeout_s: float, pid: int | None = None,
               interval_s: float = 0.25) -> tuple[str | None, str]:
    """(url, reason): the first loopback URL where this lane's app answered, or None and why not."""
    deadline = time.monotonic() + timeout_s
    candidates = list(dict.fromkeys(p for p in ports if p))
    foreign: set[int] = set()
    while True:
        for port in candidates:
            host = next((host for host in PROBE_HOSTS if answers(host, port)), None)
            if host is None:
                continue
            if listened_on_here(port) is False:
                foreign.add(port)
                continue
            return _url(host, port), ""
        if pid and not alive(pid):
            return None, "The app process exited before it answered on loopback."
        if time.monotonic() >= deadline:
            shown = ", ".join(str(p) for p in candidates)
            reason = f"The app did not answer on localhost/127.0.0.1/[::1] port {shown} within {timeout_s:g}s."
            if foreign:
                held = ", ".join(str(p) for p in sorted(foreign))
                reason += (f" Port {held} answered, but from no process of this lane (another lane's app or a service"
                           " on this machine holds it).")
            return None, reason
        time.sleep(interval_s)
