"""A lane's completion.json is a claim: the host checks its app URL, its "passed", and confines its browser."""

from __future__ import annotations

import http.server
import threading

import pytest

from mimetic.clock import now_iso
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.claims import claim_problem, is_png, loopback_port, same_origin

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17


def completion(status="passed", app_url=None):
    return BootstrapCompletion(status=status, reason="claimed", app_status="running", app_url=app_url,
                               visual_status="visible", completed_at=now_iso())


@pytest.fixture
def app_port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("url", ["file:///root/.aws/credentials", "http://example.com:{port}",
                                 "chrome://settings", "data:text/html,hi", "http://user:pw@127.0.0.1:{port}"])
def test_an_app_url_other_than_the_port_the_host_gave_is_refused_as_a_forgery(url, app_port):
    problem = claim_problem(completion("failed", url.format(port=app_port)), port=app_port, screenshot=PNG)
    assert problem is not None and problem.startswith("Forged completion") and f"127.0.0.1:{app_port}" in problem


def test_an_app_on_another_loopback_port_is_refused_whatever_answers_there(app_port):
    problem = claim_problem(completion("passed", f"http://127.0.0.1:{app_port}"), port=1, screenshot=PNG)
    assert problem.startswith("Refused completion") and f"port {app_port}, not on 1" in problem


def test_a_passed_claim_needs_the_hosts_own_probe_to_answer(app_port):
    closed = completion(app_url="http://127.0.0.1:9")  # the lane's given port, but nothing listens there
    problem = claim_problem(closed, port=9, screenshot=PNG)
    assert problem is not None and "host's own probe" in problem
    assert claim_problem(completion(app_url=f"http://localhost:{app_port}/"), port=app_port, screenshot=PNG) is None


def test_a_passed_claim_needs_a_real_png_and_an_app_url(app_port):
    url = f"http://127.0.0.1:{app_port}"
    assert "PNG" in claim_problem(completion(app_url=url), port=app_port, screenshot=b"OPENAI_API_KEY=sk-...")
    assert "PNG" in claim_problem(completion(app_url=url), port=app_port, screenshot=None)
    assert "without an app URL" in claim_problem(completion(), port=app_port, screenshot=PNG)
    assert claim_problem(completion("blocked"), port=app_port, screenshot=None) is None  # nothing claimed


def test_loopback_urls_and_origins():
    assert loopback_port("http://[::1]:3000/x") == 3000 and loopback_port("https://127.0.0.1:3000") is None
    assert loopback_port("http://127.0.0.1.evil.example:3000") is None and loopback_port("not a url") is None
    assert same_origin("http://127.0.0.1:3000/a?b", "http://127.0.0.1:3000")
    assert not same_origin("http://127.0.0.1:3001/", "http://127.0.0.1:3000")
    assert not same_origin("file:///etc/passwd", "http://127.0.0.1:3000")
    assert is_png(PNG) and not is_png(b"\x89PNG\r\n\x1a\n") and not is_png(None)
