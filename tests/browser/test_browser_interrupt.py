"""Ctrl-C during a browser proof still leaves a valid, verifiable bundle and exits 130."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.browser


class SlowPage(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        time.sleep(8)  # long enough for the interrupt to land mid-navigation
        body = b"<html><body><h1>slow</h1></body></html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_app():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowPage)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_sigint_to_the_process_group_mid_proof_exits_130_with_a_verifiable_bundle(project, slow_app):
    proc = subprocess.Popen(
        [sys.executable, "-m", "mimetic", "run", "--app-url", slow_app, "--run-id", "cut", "--json",
         "--cwd", str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    run_dir = project / ".mimetic/runs/cut"
    time.sleep(4)  # Chromium is up and the desktop viewport is waiting on the slow page
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert json.loads(stdout)["verdict"] == "interrupted"
    bundle = json.loads((run_dir / "run.json").read_text())
    assert {s["status"] for s in bundle["simulations"]} == {"interrupted"}
    verify = subprocess.run([sys.executable, "-m", "mimetic", "verify", "--run", "cut", "--json", "--cwd", str(project)],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout
