"""`mimetic lane probe` inside a real bubblewrap lane sandbox, beside a port held outside it (another lane's app)."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.loopback import free_port, serving

from mimetic.lanes.probe import listened_on_here
from mimetic.lanes.sandbox import bwrap_problem, find_bwrap, runtime_paths, sandbox_command


@pytest.fixture
def foreign_app():
    """An app outside the lane answering on its port, as another lane's copy of a repo with a fixed Vite port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    with serving(server):
        yield server.server_address[1]


def probe_in_lane(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    lane = tmp_path / "lane"
    lane.mkdir()
    command = sandbox_command(["bash", "-c", script], bwrap=find_bwrap(), lane_root=lane, home=None, hide=[],
                              readonly=runtime_paths(os.environ.get("PATH")))
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_port_this_process_listens_on_is_its_own():
    with socket.socket() as own:
        own.bind(("127.0.0.1", 0))
        own.listen()
        assert listened_on_here(own.getsockname()[1]) is True


@pytest.mark.skipif(bwrap_problem() is not None, reason=f"bubblewrap unusable: {bwrap_problem()}")
def test_the_probe_waits_for_the_lanes_own_app_past_a_fixed_port_another_lane_holds(tmp_path, foreign_app):
    own = free_port()
    app = f"{sys.executable} -m http.server {own} --bind 127.0.0.1"
    probe = f"{sys.executable} -m mimetic lane probe --port {own} --port {foreign_app} --timeout 60"
    # The lane's app answers 2 s after the probe starts (a dev server compiling); the foreign port answers at once.
    done = probe_in_lane(tmp_path, f"(sleep 2; exec {app} >/dev/null 2>&1) & {probe}; status=$?; kill %1; exit $status")
    assert (done.returncode, done.stdout.strip()) == (0, f"http://127.0.0.1:{own}"), done.stderr


@pytest.mark.skipif(bwrap_problem() is not None, reason=f"bubblewrap unusable: {bwrap_problem()}")
def test_a_probe_that_only_found_a_foreign_port_says_so(tmp_path, foreign_app):
    own = free_port()
    done = probe_in_lane(tmp_path, f"{sys.executable} -m mimetic lane probe --port {own} --port {foreign_app} --timeout 2")
    assert done.returncode != 0
    assert (f"Port {foreign_app} answered, but from no process of this lane (another lane's app or a service on this "
            "machine holds it).") in done.stdout + done.stderr
