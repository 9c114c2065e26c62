"""The served Observer answers polls from an in-memory model: a poll naming the cursor it last saw gets
only the lanes (and events) changed since, whether a board in this process hands the changes over or
the model reads them back from run.json; and the access token still guards every answer."""

from __future__ import annotations

import json

import pytest

from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import LabRef
from mimetic.labs.oss_meta import plan_lanes
from mimetic.lanes.board import LaneBoard
from mimetic.lanes.live_feeds import run_feeds
from mimetic.observer.server import ObserverServer
from mimetic.project import Project
from observer.test_observer_server import get

LANES = 60


@pytest.fixture(params=["board in this process", "run.json of another process"])
def live(request, tmp_path):
    project = Project(tmp_path)
    store = RunStore.new(project, "live-model")
    lanes = plan_lanes(["fixture/todo", "other/app"], LANES, redact=False)
    board = LaneBoard.create(project, store, lanes, LabRef(id="oss", kind="oss-meta", origin="bundled"), "local")
    board.publish()
    server = ObserverServer(project, store.run_id)
    server.start()
    if request.param != "board in this process":
        run_feeds.unsubscribe(store.run_id, server.current.model.apply_changes)
    yield board, server
    server.stop()


def _data(server, since=None, headers=None):
    response, body = get(server, "/observer/observer-data.json" + (f"?since={since}" if since is not None else ""),
                         headers=headers)
    return response, (json.loads(body) if body else None)


def _move(board, indexes, step):
    for index in indexes:
        board.update(index, status="running", step=step, progress=40, event="oss-meta.lane.running",
                     message=f"lane {index} {step}")


def test_a_poll_with_the_cursor_gets_only_the_lanes_that_changed(live):
    board, server = live
    _move(board, [0], "warm-up")  # a board's first hand-over is every lane
    _, full = _data(server)
    assert len(full["streams"]) == LANES and not full.get("partial")
    _move(board, [3, 17, 42], "Installing.")
    _, delta = _data(server, since=full["cursor"])
    assert delta["partial"] is True and delta["cursor"] > full["cursor"]
    assert sorted(s["simId"] for s in delta["streams"]) == ["oss-04", "oss-18", "oss-43"]
    assert {s["currentStep"] for s in delta["streams"]} == {"Installing."}
    assert [e["message"] for e in delta["events"]] == ["lane 3 Installing.", "lane 17 Installing.", "lane 42 Installing."]
    assert delta["summary"]["byStatus"]["running"] == 4  # totals are of every lane
    _, nothing = _data(server, since=delta["cursor"])
    assert nothing["streams"] == [] and nothing["events"] == []


def test_an_unknown_or_stale_cursor_gets_every_lane(live):
    board, server = live
    for since in (10**9, -1):
        _, data = _data(server, since=since)
        assert len(data["streams"]) == LANES and not data.get("partial")


def test_the_same_answer_is_not_sent_twice_and_the_token_still_guards_polls(live):
    board, server = live
    response, _ = _data(server, since=0)
    tag = response.getheader("ETag")
    again, body = get(server, "/observer/observer-data.json?since=0", headers={"If-None-Match": tag})
    assert again.status == 304 and body == b""
    refused, body = get(server, "/observer/observer-data.json?since=0", token=None)
    assert refused.status == 403 and b"runId" not in body


def test_a_hand_over_the_model_cannot_apply_leaves_the_board_running_and_the_model_reading_run_json(tmp_path):
    project = Project(tmp_path)
    store = RunStore.new(project, "bad-feed")
    lanes = plan_lanes(["fixture/todo"], 4, redact=False)
    board = LaneBoard.create(project, store, lanes, LabRef(id="oss", kind="oss-meta", origin="bundled"), "local")
    board.publish()
    with ObserverServer(project, store.run_id) as server:
        board.update(0, step="first")
        model = server.current.model
        assert model.fed
        model.apply_changes({"not": "a bundle head"}, [], [], [])  # what a broken hand-over would bring
        assert not model.fed
        board.update(1, status="failed", step="App crashed.")  # the board goes on; its next changes are ignored
        data = server.current.data()
        assert len(data["streams"]) == 4
        assert next(s for s in data["streams"] if s["simId"] == "oss-02")["currentStep"] == "App crashed."


def test_observe_serves_an_unchanged_verified_run_without_verifying_it_again_and_verifies_a_changed_one(tmp_path,
                                                                                                      monkeypatch):
    from mimetic.errors import MimeticError
    from mimetic.labs.synthetic import run_synthetic
    from mimetic.observer import render

    project = Project(tmp_path)
    store, _, _ = run_synthetic(project, sims=3, run_id="observed")
    first_store, first = render.observe_run(project, "observed")  # verified and rendered, then stamped
    assert first.stream_count == 3

    def no_verification(*args):
        raise AssertionError("an unchanged run was verified again")

    monkeypatch.setattr(render, "render_run", no_verification)
    _, again = render.observe_run(project, "observed")
    assert again.to_json() == first.to_json()

    monkeypatch.undo()
    monkeypatch.setenv("LEAKED_API_TOKEN", "leaked-canary-55821")
    (store.dir / "review.md").write_text("a log line with leaked-canary-55821\n", encoding="utf-8")
    with pytest.raises(MimeticError) as refused:  # changed since the stamp: verified again, and refused
        render.observe_run(project, "observed")
    assert refused.value.code == "MIMETIC_INVALID_RUN_BUNDLE"
