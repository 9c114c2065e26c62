"""The live board writes what changed, not the whole run: a flush costs the same bytes at the 50th change
as at the first, and the snapshot it assembles from kept text is exactly the whole redacted bundle."""

from __future__ import annotations

import json
import time

from mimetic.bundle.store import RunStore
from mimetic.cli.lane import LaneTable
from mimetic.contracts.bundle import LabRef
from mimetic.labs.oss_meta import plan_lanes
from mimetic.lanes.board import LaneBoard
from mimetic.project import Project
from mimetic.safety.redact import redact_value

LANES = 120


def _board(tmp_path) -> LaneBoard:
    project = Project(tmp_path / "project")
    project.root.mkdir()
    store = RunStore(project, "board-test")
    lanes = plan_lanes(["fixture/todo", "other/app"], LANES, redact=False)
    board = LaneBoard.create(project, store, lanes, LabRef(id="oss", kind="oss-meta", origin="bundled"), "local")
    board.publish()
    return board


def _whole(board: LaneBoard) -> dict:
    board.bundle.events = list(board.log.events)
    board.bundle.lifecycle = list(board.log.lifecycle)
    return redact_value(board.bundle.to_json())


def test_a_live_flush_writes_only_the_new_events_whatever_the_flush_count(tmp_path):
    board = _board(tmp_path)
    run_json = board.store.dir / "run.json"
    events = board.store.dir / "events.ndjson"
    written = []
    board.min_snapshot_interval_s = 3600  # one live phase between two snapshots, however slow the machine
    with board.deferred():
        board.flush()  # a snapshot; the next one is due an hour later
        for index in range(50):
            start, size = board.store.bytes_written, events.stat().st_size
            board.update(index, status="running", step="Cloning.", progress=20, event="oss-meta.lane.running",
                         message=f"lane {index:03d} running")
            board.flush(snapshot=False)
            written.append(board.store.bytes_written - start)
            assert written[-1] == events.stat().st_size - size  # only events.ndjson grew, by its new line
        assert max(written) == min(written) > 0  # the 50th flush costs what the first did
        snapshot = run_json.stat().st_ino
    assert run_json.stat().st_ino != snapshot  # leaving the live phase writes the last snapshot
    assert json.loads(run_json.read_text(encoding="utf-8")) == _whole(board)


def test_a_snapshot_a_live_flush_skipped_is_written_once_due_without_another_change(tmp_path):
    board = _board(tmp_path)
    run_json = board.store.dir / "run.json"

    def step_on_disk() -> str:
        return json.loads(run_json.read_text(encoding="utf-8"))["simulations"][0]["currentStep"]

    board.min_snapshot_interval_s = 1.0
    with board.live():
        board.update(0, status="running", step="Cloning.", progress=20)
        deadline = time.monotonic() + 30  # a hang guard, not a speed check
        while step_on_disk() != "Cloning." and time.monotonic() < deadline:
            time.sleep(0.05)
        # The next change comes before the next snapshot is due: its flush appends events only.
        board.update(0, status="running", step="Waiting for the app on loopback.", progress=60)
        # No further change: the lane just waits (an app that is slow to answer), yet run.json catches up.
        while step_on_disk() != "Waiting for the app on loopback." and time.monotonic() < deadline:
            time.sleep(0.05)
        assert step_on_disk() == "Waiting for the app on loopback."


def test_a_snapshot_from_kept_text_is_the_whole_redacted_bundle(tmp_path, monkeypatch):
    board = _board(tmp_path)
    for index in range(0, LANES, 7):
        board.update(index, status="failed", step="Install failed.", progress=60, reason="npm ci exited 1",
                     event="oss-meta.lane.failed", message=f"lane {index} failed", level="error")
        board.flush(snapshot=False)
    board.event("oss-meta.note", "a run-level note")
    board.flush()
    run = json.loads((board.store.dir / "run.json").read_text(encoding="utf-8"))
    assert run == _whole(board)
    lines = (board.store.dir / "events.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [redact_value(e.to_json()) for e in board.log.events]


def test_a_secret_known_mid_run_is_scrubbed_from_text_already_kept(tmp_path, monkeypatch):
    board = _board(tmp_path)
    canary = "late-canary-4471-value"
    board.update(3, step=f"token {canary} echoed", event="oss-meta.lane.log", message=f"saw {canary}")
    board.flush()
    assert canary in (board.store.dir / "run.json").read_text(encoding="utf-8")  # not known yet: plain text
    monkeypatch.setenv("LATE_API_TOKEN", canary)
    board.update(4, step="next")
    board.flush()
    for name in ("run.json", "events.ndjson", "review.md"):
        assert canary not in (board.store.dir / name).read_text(encoding="utf-8")
    assert json.loads((board.store.dir / "run.json").read_text(encoding="utf-8")) == _whole(board)


def test_the_live_table_shows_a_bounded_window_and_every_total():
    table = LaneTable()
    rows = [{"sim_id": f"oss-{i:04d}", "label": f"o/r{i}", "status": "queued", "progress": 0, "step": "Queued."}
            for i in range(5000)]
    table(rows)
    running = [dict(row, status="running") for row in rows[100:110]]
    finished = [dict(row, status="passed") for row in rows[:60]]
    table(running)
    table(finished)
    shown = table.window()
    assert len(shown) == LaneTable.WINDOW
    assert {row["sim_id"] for row in running} <= {row["sim_id"] for row in shown}
    assert rows[59]["sim_id"] in {row["sim_id"] for row in shown}  # the latest change is there
    assert table.totals() == "5000 lanes: 60 passed, 4930 queued, 10 running"
