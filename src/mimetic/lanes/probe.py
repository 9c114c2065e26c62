"""Wait until a started app answers: localhost, 127.0.0.1 and [::1] on each candidate port.

Any HTTP status below 500 counts as ready (upstream §9.1 #9: Vite may answer only on localhost).
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Sequence

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


def wait_ready(ports: Sequence[int], *, timeout_s: float, pid: int | None = None,
               interval_s: float = 0.25) -> tuple[str | None, str]:
    """(url, reason): the first loopback URL that answered, or None and why not."""
    deadline = time.monotonic() + timeout_s
    candidates = list(dict.fromkeys(p for p in ports if p))
    while True:
        for port in candidates:
            for host in PROBE_HOSTS:
                if answers(host, port):
                    return _url(host, port), ""
        if pid and not alive(pid):
            return None, "The app process exited before it answered on loopback."
        if time.monotonic() >= deadline:
            shown = ", ".join(str(p) for p in candidates)
            return None, f"The app did not answer on localhost/127.0.0.1/[::1] port {shown} within {timeout_s:g}s."
        time.sleep(interval_s)
