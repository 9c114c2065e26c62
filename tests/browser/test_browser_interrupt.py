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
    requested: threading.Event  # set by the fixture: Chromium is up and navigating to the app

    def do_GET(self):  # noqa: N802 - http.server's naming
        if "Chrome" in (self.headers.get("User-Agent") or ""):
            self.requested.set()
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
    requested = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Page", (SlowPage,), {"requested": requested}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()


def test_sigint_to_the_process_group_mid_proof_exits_130_with_a_verifiable_bundle(project, slow_app):
    url, requested = slow_app
    proc = subprocess.Popen(
        [sys.executable, "-m", "mimetic", "run", "--app-url", url, "--run-id", "cut", "--json",
         "--cwd", str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    run_dir = project / ".mimetic/runs/cut"
    # Chromium is up and the desktop viewport is waiting on the slow page (a fixed sleep raced start-up).
    assert requested.wait(120), "the proof never requested the page"
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
