"""A lane's completion.json is a claim: the host checks its app URL, its "passed" (its own probe and its own
screenshot in its own Chromium), and confines its browser."""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from conftest import CHROMIUM
from mimetic.clock import now_iso
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.claims import check_claim, is_blank, is_png, lane_app_url, look_at_app, loopback_port, same_origin

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")


def not_looked():
    raise AssertionError("the host looks at the app only for a passed claim its other checks let through")


def claim_problem(completion, *, port, screenshot, look=not_looked):
    return check_claim(completion, port=port, screenshot=screenshot, look=look).problem


def completion(status="passed", app_url=None):
    return BootstrapCompletion(status=status, reason="claimed", app_status="running", app_url=app_url,
                               visual_status="visible", completed_at=now_iso())


def serve(body: bytes):
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def served():
    """Serve a page on a loopback port for the test; returns the port."""
    servers = []

    def start(body: bytes) -> int:
        servers.append(serve(body))
        return servers[-1].server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app_port(served):
    return served(b"<!doctype html><title>todo</title><h1>Todos</h1><ul><li>Write the claim check</li></ul>")


@pytest.fixture
def blank_port(served):
    return served(b"<!doctype html><html><body></body></html>")


@pytest.fixture
def host_page():
    """The host's own confined Chromium page, as a local lane opens it."""
    from mimetic.browser.chromium import DESKTOP, launch_chromium

    with launch_chromium(CHROMIUM) as launched:
        context = launched.new_context(DESKTOP)
        yield context.new_page()


@pytest.mark.parametrize("url", ["file:///root/.aws/credentials", "http://example.com:{port}",
                                 "chrome://settings", "data:text/html,hi", "http://user:pw@127.0.0.1:{port}"])
def test_an_app_url_other_than_the_port_the_host_gave_is_refused_as_a_forgery(url, app_port):
    problem = claim_problem(completion("failed", url.format(port=app_port)), port=app_port, screenshot=PNG)
    assert problem is not None and problem.startswith("Forged completion") and f"127.0.0.1:{app_port}" in problem


def test_an_app_on_another_loopback_port_is_refused_whatever_answers_there(app_port):
    problem = claim_problem(completion("passed", f"http://127.0.0.1:{app_port}"), port=1, screenshot=PNG)
    assert problem.startswith("Refused completion") and f"port {app_port}, not on 1" in problem


def test_a_passed_claim_needs_the_hosts_own_probe_to_answer():
    closed = completion(app_url="http://127.0.0.1:9")  # the lane's given port, but nothing listens there
    problem = claim_problem(closed, port=9, screenshot=PNG)
    assert problem is not None and "host's own probe" in problem


@pytest.mark.browser
@needs_chromium
def test_a_passed_claim_holds_when_the_hosts_own_screenshot_shows_the_app_and_keeps_it_as_evidence(app_port, host_page):
    check = check_claim(completion(app_url=f"http://localhost:{app_port}/"), port=app_port, screenshot=PNG,
                        look=lambda: look_at_app(host_page, app_port))
    assert check.problem is None
    assert is_png(check.host_screenshot) and not is_blank(check.host_screenshot)
    assert host_page.url == lane_app_url(app_port) + "/"  # the host loaded its own address, not the lane's spelling


@pytest.mark.browser
@needs_chromium
def test_a_passed_claim_whose_app_shows_a_blank_page_fails_naming_the_disagreement(blank_port, host_page):
    check = check_claim(completion(app_url=f"http://127.0.0.1:{blank_port}"), port=blank_port, screenshot=PNG,
                        look=lambda: look_at_app(host_page, blank_port, budget_ms=3000))
    assert check.problem.startswith("Forged completion: completion.json claims passed")
    assert f"host's own screenshot of http://127.0.0.1:{blank_port} is blank" in check.problem
    assert "disagree" in check.problem
    assert is_png(check.host_screenshot) and is_blank(check.host_screenshot)  # kept: the evidence of the refusal


def _png(draw=None) -> bytes:
    image = Image.new("RGB", (64, 48), "white")
    if draw:
        image.putpixel((10, 10), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_screenshot_of_one_colour_is_blank_and_one_dark_pixel_is_not():
    assert is_blank(_png()) and not is_blank(_png(draw=True))


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
