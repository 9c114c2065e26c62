"""LocalSandbox's screen for the host-side actor: always closed with the lane, and confined to the lane's app."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from pathlib import Path

import pytest

from conftest import CHROMIUM
from mimetic.clock import now_iso
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.local import LocalSandbox


def test_a_browser_whose_page_fails_to_open_is_still_closed_with_the_lane(tmp_path, monkeypatch):
    closed = []

    class Launched:
        def new_context(self, _viewport):
            raise RuntimeError("no page for you")

    @contextlib.contextmanager
    def fake_launch(_executable):
        try:
            yield Launched()
        finally:
            closed.append(True)

    monkeypatch.setattr("mimetic.browser.chromium.find_chromium", lambda: "chromium")
    monkeypatch.setattr("mimetic.browser.chromium.launch_chromium", fake_launch)
    root = tmp_path / "oss-meta" / "run" / "oss-01"
    root.mkdir(parents=True)
    sandbox = LocalSandbox(root, "oss-01", keep=False, python="python3", port=0)

    with pytest.raises(RuntimeError, match="no page for you"):
        sandbox.computer()
    assert closed == []  # the lane owns the browser (not the garbage collector) until it closes
    sandbox.close()

    assert closed == [True] and not root.exists()


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(b"<h1>app</h1>")

    def log_message(self, *args):
        pass


@pytest.fixture
def app_port():
    servers = []

    def start() -> int:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
        server.hits = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    start.hits = lambda port: next(s.hits for s in servers if s.server_address[1] == port)
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _completion(root, app_url: str) -> None:
    record = BootstrapCompletion(status="passed", reason="claimed", app_url=app_url, completed_at=now_iso())
    (root / "completion.json").write_text(json.dumps(record.to_json()))


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_the_actor_screen_never_opens_a_forged_file_url(tmp_path, app_port):
    port = app_port()
    root = tmp_path / "oss-01"
    root.mkdir()
    _completion(root, "file:///etc/hostname")
    sandbox = LocalSandbox(root, "oss-01", keep=True, python="python3", port=port)
    try:
        assert sandbox.computer().current_url() == "about:blank"
    finally:
        sandbox.close()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
@pytest.mark.parametrize("target", ["other-origin", "file:///etc/hostname", "data:text/html,<h1>x</h1>"])
def test_the_actor_screen_stays_on_the_lane_app_whatever_the_page_does(tmp_path, app_port, target):
    port, other = app_port(), app_port()
    url = f"http://127.0.0.1:{other}/elsewhere" if target == "other-origin" else target
    root = tmp_path / "oss-01"
    root.mkdir()
    _completion(root, f"http://127.0.0.1:{port}")
    sandbox = LocalSandbox(root, "oss-01", keep=True, python="python3", port=port)
    try:
        computer = sandbox.computer()
        page = computer.page
        # The app's own script navigates away; the attempt ends as a failed request (our guard) or a console
        # error (Chromium's own refusal of file: and data: top-level navigations).
        with page.expect_event("requestfailed" if target == "other-origin" else "console", timeout=10_000):
            page.evaluate("target => { location.href = target; }", url)
        assert computer.current_url() == f"http://127.0.0.1:{port}/"
        assert app_port.hits(other) == []  # the other origin was never even asked
        if target != "other-origin":  # refused outright: the app's page is still what the actor sees
            assert page.inner_text("h1") == "app"
    finally:
        sandbox.close()
