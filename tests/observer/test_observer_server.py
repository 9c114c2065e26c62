"""The loopback Observer server: routes, containment, no-store, history, runtime overlay, live rebuilds."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess

import pytest
from fixtures.observer_runs import make_observer_run, set_lane_status

from mimetic.errors import MimeticError
from mimetic.lanes.live_feeds import RuntimeStreams
from mimetic.observer.server import ObserverServer
from mimetic.project import Project

LIVE_URL = "https://6080-sandbox.e2b.example/vnc.html?autoconnect=true&authKey=live-secret-123456"


def get(server: ObserverServer, path: str, method: str = "GET", headers: dict | None = None, token: str | None = ""):
    """A request with the server's token in the query (token=None: no token; a string: that one)."""
    if token is not None:
        path += ("&" if "?" in path else "?") + "token=" + (token or server.token)
    conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=5)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


@pytest.fixture
def runtime():
    return RuntimeStreams()


@pytest.fixture
def served(project, runtime):
    store, bundle = make_observer_run(project)
    server = ObserverServer(Project(project.resolve()), store.run_id, runtime=runtime)
    server.start()
    yield server, store, bundle
    server.stop()


def test_root_redirects_to_the_page_and_everything_answers_no_store(served):
    server, _, _ = served
    response, _ = get(server, "/")
    assert response.status == 302 and response.getheader("Location") == "/observer/index.html"
    for path in ("/", "/observer/index.html", "/observer/observer-data.json", "/run.json", "/nope.txt",
                 "/../../etc/passwd", "/_mimetic/history.json"):
        response, _ = get(server, path)
        assert response.getheader("Cache-Control") == "no-store", path


def test_page_data_and_run_files_are_served_from_the_current_run(served):
    server, store, bundle = served
    response, body = get(server, "/observer/index.html")
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/html")
    assert "default-src 'none'" in response.getheader("Content-Security-Policy")
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy")  # no clickjacking frame
    assert b'data-observer-mode="served"' in body
    response, body = get(server, "/observer/observer-data.json")
    assert json.loads(body)["run"]["runId"] == bundle.run_id
    response, body = get(server, "/screenshots/sim-01-ui.png")
    assert response.getheader("Content-Type") == "image/png" and body == (store.dir / "screenshots/sim-01-ui.png").read_bytes()
    response, body = get(server, "/observer/index.html", method="HEAD")
    assert response.status == 200 and body == b"" and int(response.getheader("Content-Length")) > 0


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2flatest.json", "/observer/..%2f..%2f..%2fproject",
    "/_mimetic/runs/observer-fixture/..%2f..%2flatest.json", "/x%00y",
])
def test_paths_outside_the_run_answer_403(served, path):
    server, _, _ = served
    response, body = get(server, path)
    assert response.status == 403, (path, body)


def test_a_symlink_leading_out_of_the_run_answers_403(served, project):
    server, store, _ = served
    secret = project / "outside.txt"
    secret.write_text("not for the page")
    os.symlink(secret, store.dir / "escape.txt")
    response, body = get(server, "/escape.txt")
    assert response.status == 403 and b"not for the page" not in body


def test_requests_naming_another_host_are_refused(served):
    server, _, _ = served
    response, _ = get(server, "/observer/observer-data.json", headers={"Host": "attacker.example"})
    assert response.status == 403
    port = server.url.rsplit(":", 1)[1]
    response, _ = get(server, "/observer/observer-data.json", headers={"Host": f"localhost:{port}"})
    assert response.status == 200


def test_history_lists_runs_and_serves_an_earlier_run(served, project):
    server, store, _ = served
    other, _ = make_observer_run(project, lanes=3, run_id="observer-earlier")
    _, body = get(server, "/_mimetic/history.json")
    history = json.loads(body)
    runs = {run["runId"]: run for run in history["runs"]}
    assert set(runs) == {store.run_id, other.run_id}
    assert history["latestRunId"] == other.run_id and history["currentRunId"] == store.run_id
    assert runs[other.run_id]["streamCount"] == 3 and runs[other.run_id]["status"] == "fail"
    assert runs[store.run_id]["href"] == "/observer/index.html"
    response, body = get(server, runs[other.run_id]["href"])
    assert response.status == 200 and b"observer-earlier" in body
    response, body = get(server, f"/_mimetic/runs/{other.run_id}/observer/observer-data.json")
    assert len(json.loads(body)["streams"]) == 3
    assert get(server, "/_mimetic/runs/not-a-run/run.json")[0].status == 404
    assert get(server, "/_mimetic/runs/BAD..ID/run.json")[0].status == 404


def test_runtime_stream_urls_are_overlaid_only_in_served_responses(served, runtime):
    server, store, bundle = served
    lane = bundle.streams[2].id
    runtime.set(lane, LIVE_URL)
    data = json.loads(get(server, "/observer/observer-data.json")[1])
    shown = next(s for s in data["streams"] if s["id"] == lane)
    assert shown["live"] is True and shown["transport"] == "sse"
    assert shown["embed"] == {**shown["embed"], "kind": "iframe", "url": LIVE_URL}
    assert LIVE_URL.encode() in get(server, "/observer/index.html")[1].replace(b"\\u0026", b"&")
    earlier = json.loads(get(server, f"/_mimetic/runs/{store.run_id}/observer/observer-data.json")[1])
    assert not any(s.get("live") for s in earlier["streams"])  # other-run views never carry the overlay
    on_disk = b"".join(p.read_bytes() for p in store.dir.rglob("*") if p.is_file())
    assert b"live-secret-123456" not in on_disk
    runtime.discard(lane)
    data = json.loads(get(server, "/observer/observer-data.json")[1])
    assert not any(s.get("live") for s in data["streams"])


def test_served_data_follows_run_json_when_a_runner_rewrites_it(served):
    server, store, bundle = served
    lane = bundle.streams[0].id
    before = json.loads(get(server, "/observer/observer-data.json")[1])
    assert next(s for s in before["streams"] if s["id"] == lane)["status"] != "failed"
    set_lane_status(store, lane, "failed", "App crashed on first click.")  # run.json only, like a runner
    after = json.loads(get(server, "/observer/observer-data.json")[1])
    shown = next(s for s in after["streams"] if s["id"] == lane)
    assert (shown["status"], shown["statusLabel"], shown["currentStep"]) == ("failed", "Failed", "App crashed on first click.")
    assert after["summary"]["byStatus"]["failed"] == before["summary"]["byStatus"].get("failed", 0) + 1


def test_a_run_not_written_yet_gets_a_preparing_page(project):
    server = ObserverServer(Project(project.resolve()), "not-written-yet")
    with server:
        response, body = get(server, "/observer/index.html")
        assert response.status == 200 and b"Preparing run not-written-yet" in body
        assert get(server, "/observer/observer-data.json")[0].status == 503


def test_a_busy_port_is_reported_not_crashed_on(project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(MimeticError) as error:
            ObserverServer(Project(project.resolve()), "any-run", port=port).start()
    assert error.value.code == "MIMETIC_PORT_UNAVAILABLE"


def test_a_run_json_rewritten_while_the_data_builds_is_picked_up_by_the_next_request(project, monkeypatch):
    from mimetic.observer.live_model import LiveModel
    from mimetic.observer.server import RunView

    store, bundle = make_observer_run(project)
    view = RunView(store)
    lane = bundle.streams[0].id
    read = LiveModel._read

    def read_then_runner_writes(self):
        changed = read(self)
        monkeypatch.setattr(LiveModel, "_read", read)
        set_lane_status(store, lane, "failed", "App crashed on first click.")  # lands mid-request
        return changed

    monkeypatch.setattr(LiveModel, "_read", read_then_runner_writes)
    assert next(s for s in view.data()["streams"] if s["id"] == lane)["status"] != "failed"
    assert next(s for s in view.data()["streams"] if s["id"] == lane)["status"] == "failed"


ROUTES = ("/", "/observer/index.html", "/observer/observer-data.json", "/run.json", "/_mimetic/history.json",
          "/_mimetic/runs/observer-fixture/observer/index.html")


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_answers_403_without_the_token_and_serves_with_it(served, path):
    server, _, _ = served
    for token in (None, "wrong-token", ObserverServer(server.project, "other").token):
        response, body = get(server, path, token=token)
        assert response.status == 403 and b"token" in body and b"runId" not in body, (path, token)
    assert get(server, path)[0].status in (200, 302)


def test_the_printed_url_carries_the_token_and_hands_the_browser_a_cookie_for_its_polling(served):
    server, _, _ = served
    assert server.observer_url.endswith(f"/observer/index.html?token={server.token}")
    assert len(server.token) >= 40 and server.token != ObserverServer(server.project, "x").token
    response, _ = get(server, server.observer_url.removeprefix(server.url), token=None)
    assert response.status == 200
    cookie = response.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    name_value = cookie.split(";", 1)[0]
    response, body = get(server, "/observer/observer-data.json", headers={"Cookie": name_value}, token=None)
    assert response.status == 200 and json.loads(body)["run"]["runId"] == "observer-fixture"
    # A cookie of another port's server (cookies are shared across ports) is not this server's.
    forged = f"mimetic-observer-1={server.token}; {name_value.split('=')[0]}=nope"
    assert get(server, "/run.json", headers={"Cookie": forged}, token=None)[0].status == 403


def test_a_path_segment_longer_than_255_bytes_answers_404(served):
    server, _, _ = served
    assert get(server, "/" + "a" * 256)[0].status == 404
    assert get(server, "/observer/" + "%C3%A9" * 128 + ".json")[0].status == 404  # 256 bytes, 128 chars
    assert get(server, "/" + "a" * 255)[0].status == 404  # long but legal: simply not there


def test_an_idle_connection_is_dropped_and_does_not_block_others(served, monkeypatch):
    from mimetic.observer.server import ObserverHandler

    server, _, _ = served
    monkeypatch.setattr(ObserverHandler, "timeout", 0.5)
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as idle:
        idle.sendall(b"GET /run.json HTTP/1.1\r\n")  # ...and never finishes the request
        assert get(server, "/run.json")[0].status == 200
        assert idle.recv(1024) == b""  # the server closed it (the 30 s client timeout would raise instead)


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2) to read a socket's backlog")
def test_the_listen_backlog_is_larger_than_the_stdlib_default(served):
    server, _, _ = served
    port = server.url.rsplit(":", 1)[1]
    listing = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    assert int(listing.split()[2]) >= 128  # ss shows a listening socket's backlog as Send-Q
