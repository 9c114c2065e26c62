"""A served Observer poll of a big live run: bytes moved and server time when a few lanes changed.

    python bench/served_poll.py [--lanes 10000] [--changed 10] [--repeat 5]

A live board of --lanes placeholder lanes is written, served by the real ObserverServer, and polled
once in full (the page load). Then --changed lanes move (the board rewrites run.json, as a live run
does) and the page's next poll names the cursor it last saw (`?since=`). Printed: the full load's
size and server time, the poll's size and server time (the model's refresh from run.json included,
then the answer), medians of --repeat rounds. The board runs in the bench's process, as in `watch`, so
it hands each flush's changes to the served model; `--from-file` unsubscribes it, so the model reads
run.json back as `observe` of a run written by another process does. Budget (issue 18): the poll moves at most 100 KB and
takes at most 20 ms of server time at 10,000 lanes with 10 changed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from _timing import verdict

from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import LabRef
from mimetic.labs.oss_meta import plan_lanes
from mimetic.lanes.board import LaneBoard
from mimetic.lanes.live_feeds import run_feeds
from mimetic.observer.server import ObserverServer
from mimetic.project import Project

BUDGET_BYTES = 100_000
BUDGET_S = 0.020


def fetch(server: ObserverServer, path: str) -> bytes:
    request = urllib.request.Request(f"{server.url}{path}", headers={"Cookie": server.cookie().split(";")[0]})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=10000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--from-file", action="store_true", help="the model reads run.json (no in-process feed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as tmp:
        project = Project(Path(tmp))
        store = RunStore.new(project, "bench-served")
        lanes = plan_lanes(["bench/app", "other/app"], args.lanes, redact=False)
        board = LaneBoard.create(project, store, lanes, LabRef(id="oss", kind="oss-meta", origin="bundled"), "local")
        board.publish()
        server = ObserverServer(project, store.run_id)
        view = server.current
        with server:
            if args.from_file:
                run_feeds.unsubscribe(store.run_id, view.model.apply_changes)
            started = time.perf_counter()
            full = fetch(server, "/observer/observer-data.json")
            load_s = time.perf_counter() - started
            cursor = json.loads(full)["cursor"]
            sizes, refresh_times, answer_times, flush_times = [], [], [], []
            for round_ in range(-1, args.repeat):  # round -1: the board's first flush hands over every lane
                with board.deferred():  # as in a live run: changes wait for the writer's flush
                    for offset in range(args.changed):
                        index = ((round_ + 1) * args.changed + offset) % args.lanes
                        board.update(index, status="running", step=f"Round {round_}: installing.", progress=40,
                                     event="oss-meta.lane.running", message=f"lane {index} installing")
                    board.min_snapshot_interval_s = 3600  # the flush measured is a live one between snapshots
                    started = time.perf_counter()
                    board.flush(snapshot=False)
                    flush_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                view.model.refresh()  # a no-op while the board feeds the model; else it reads run.json
                refresh_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                body, _ = view.payload("data", {}, cursor)
                answer_times.append(time.perf_counter() - started)
                polled = fetch(server, f"/observer/observer-data.json?since={cursor}")
                data = json.loads(polled)
                cursor = data["cursor"]
                if round_ < 0:
                    refresh_times.pop(), answer_times.pop(), flush_times.pop()
                    continue
                assert data.get("partial") and len(data["streams"]) == args.changed, (len(data["streams"]), data.get("partial"))
                sizes.append(len(polled))
    refresh, answer, size = statistics.median(refresh_times), statistics.median(answer_times), statistics.median(sizes)
    print(f"{args.lanes} lanes: page data load {len(full) / 1e6:.1f} MB, {load_s * 1000:.0f} ms (first build included)")
    print(f"poll after {args.changed} lanes changed (median of {args.repeat}): {size / 1000:.1f} KB; server time "
          f"{(refresh + answer) * 1000:.1f} ms = model refresh from run.json {refresh * 1000:.1f} ms + answer "
          f"{answer * 1000:.1f} ms")
    print(f"the board's live flush of those changes (events appended, served model updated): "
          f"{statistics.median(flush_times) * 1000:.1f} ms")
    ok = verdict(f"poll size <= {BUDGET_BYTES / 1000:.0f} KB", size <= BUDGET_BYTES)
    ok = verdict(f"poll server time <= {BUDGET_S * 1000:.0f} ms", refresh + answer <= BUDGET_S) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
