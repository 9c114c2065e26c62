"""`mimetic feedback list --json` on a run of many failed lanes (issue 18: 3,000 lanes in at most 1.5 s).

    python bench/feedback_list.py [--lanes 3000] [--repeat 3] [--before /tmp/before/src]

The run is a live meta-lab board whose lanes all ended failed (a dependency install or a clone error
in their log tail, as real lanes leave them), written through the real board. The command runs as a
child process (its start-up included), median of --repeat; with --before, another checkout's src/ is
measured in turns on the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _timing import measured, row, source_tree_env, trees, verdict

from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.bundle import Completion, LabRef
from mimetic.labs.oss_meta import plan_lanes
from mimetic.lanes.board import LaneBoard
from mimetic.project import Project

BUDGET_S = 1.5
TAILS = ("npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree",
         "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
         "Error: listen EADDRINUSE: address already in use 127.0.0.1:5173")


def failed_run(root: Path, lanes_count: int) -> None:
    project = Project(root)
    store = RunStore.new(project, "bench-feedback")
    lanes = plan_lanes([f"owner/app-{n}" for n in range(50)], lanes_count, redact=False)
    board = LaneBoard.create(project, store, lanes, LabRef(id="oss", kind="oss-meta", origin="bundled"), "local")
    with board.deferred():
        for lane in lanes:
            tail = TAILS[lane.index % len(TAILS)]

            def fail(sim, stream, tail=tail):
                stream.completion = Completion(status="failed", reason="Bootstrap exited 1.", checked_at=now_iso(),
                                               exit_code=1)
                stream.terminal.tail = tail

            board.update(lane.index, status="failed", step="Bootstrap exited 1.", progress=60, change=fail,
                         reason="Bootstrap exited 1.", event="oss-meta.bootstrap.failed",
                         message=f"{lane.sim_id} failed", level="error")
    board.publish()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", metavar="SRC")
    args = parser.parse_args()
    checkouts = trees(args.before)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as tmp:
        failed_run(Path(tmp), args.lanes)
        command = [sys.executable, "-m", "mimetic", "feedback", "list", "--json", "--cwd", tmp]
        for name, src in checkouts.items():  # warm-up: the first list stores the derived candidates in run.json
            measured(command, env=source_tree_env(src))
        for _ in range(args.repeat):
            for name, src in checkouts.items():
                samples[name].append(measured(command, env=source_tree_env(src)))
    medians = {name: statistics.median(wall for wall, _, _ in values) for name, values in samples.items()}
    for name, seconds in medians.items():
        cpu = statistics.median(cpu for _, _, cpu in samples[name])
        row(f"{name}: feedback list, {args.lanes} failed lanes (median of {args.repeat})", seconds,
            f"CPU {cpu:.2f} s, {seconds / args.lanes * 1000:.2f} ms/lane")
    return 0 if verdict(f"feedback list <= {BUDGET_S:g} s", medians["this tree"] <= BUDGET_S) else 1


if __name__ == "__main__":
    raise SystemExit(main())
