"""Fan-out efficiency of the real lane runner: N fake lanes of T seconds each at concurrency C.

    python bench/fanout.py [--seconds 1] [--repeat 3] [--config 16x8 --config 64x32 ...]

Every lane is a sandbox whose completion.json appears T seconds after its bootstrap starts, so all
the runner's own work is real: receipts, board transitions, bundle and Observer writes, polling.
Prints the median wall time of each configuration next to the ideal ceil(N / C) * T and the
efficiency ideal / actual (1.00 = no overhead). There is no budget: the figures show where the
runner's serial work (receipts, bundle writes under one lock) starts to dominate.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

from _timing import row

from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.bundle import LabRef
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.labs.oss_meta import plan_lanes
from mimetic.lanes.board import LaneBoard
from mimetic.lanes.runner import LaneJob, LaneRunner, RunnerSettings
from mimetic.lanes.scrub import lane_scrubber
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project

COMPLETION = json.dumps(BootstrapCompletion(
    status="passed", reason="bench lane done", exit_code=0, app_status="running", visual_status="visible",
    nested_verify_status="passed", completed_at=now_iso()).to_json()).encode()
DEFAULT_CONFIGS = ("16x8", "64x8", "64x32", "256x64")  # 8 = the default concurrency
POLL_S = 0.05  # how often each lane checks for its completion (the local substrate polls every 0.5 s)


class SleepSandbox:
    """A lane whose completion.json appears `seconds` after its bootstrap starts."""

    def __init__(self, sandbox_id: str, seconds: float):
        self.id, self.seconds, self.started = sandbox_id, seconds, None

    def start_bootstrap(self, script, env):
        self.started = time.monotonic()

    def read_file(self, relative):
        ready = self.started is not None and time.monotonic() - self.started >= self.seconds
        return COMPLETION if relative == "completion.json" and ready else None

    def screenshot(self):
        return None

    def stream_url(self):
        return None

    def computer(self):
        return None

    def close(self):
        pass


class SleepSubstrate:
    name = "bench"

    def __init__(self, seconds: float):
        self.seconds = seconds

    def missing_requirements(self):
        return []

    def launch(self, spec):
        return SleepSandbox(f"bench-{spec.sim_id}", self.seconds)

    def kill(self, sandbox_id):
        return True


def run_once(lanes_count: int, concurrency: int, seconds: float) -> float:
    """One fan-out in a fresh project; returns the runner's wall time (setup excluded)."""
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as tmp:
        project = Project(Path(tmp))
        store = RunStore(project, "bench-fanout")
        lanes = plan_lanes(["bench/app"], lanes_count, redact=False)
        board = LaneBoard.create(project, store, lanes, LabRef(id="bench", kind="oss-meta", origin="bench"), "bench")
        board.publish()
        settings = RunnerSettings(script="", substrate_name="bench", private=False, poll_interval_s=POLL_S,
                                  timeout_s=seconds * 10 + 10)
        runner = LaneRunner(board, SleepSubstrate(seconds), settings,
                            {lane.index: lane_scrubber(lane_root=None, project_root=project.root, home=None)
                             for lane in lanes})
        jobs = [LaneJob(lane, LaneSpec(run_id=store.run_id, index=lane.index, label=lane.label, repo=lane.repo,
                                       stream_id=lane.stream_id, sim_id=lane.sim_id)) for lane in lanes]
        started = time.perf_counter()
        outcome = runner.run(jobs, concurrency=concurrency)
        elapsed = time.perf_counter() - started
    passed = sum(r.status == "passed" for r in outcome.results)
    if passed != lanes_count:
        raise SystemExit(f"only {passed} of {lanes_count} bench lanes passed")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="how long each lane takes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration (median is reported)")
    parser.add_argument("--config", action="append", metavar="LANESxCONCURRENCY",
                        help=f"repeatable; default {' '.join(DEFAULT_CONFIGS)}")
    args = parser.parse_args()
    configs = [tuple(int(n) for n in c.split("x")) for c in (args.config or DEFAULT_CONFIGS)]
    for lanes_count, concurrency in configs:
        elapsed = statistics.median(run_once(lanes_count, concurrency, args.seconds) for _ in range(args.repeat))
        ideal = math.ceil(lanes_count / concurrency) * args.seconds
        efficiency = ideal / elapsed
        row(f"{lanes_count} lanes x {args.seconds:g} s at concurrency {concurrency} (median of {args.repeat})", elapsed,
            f"ideal {ideal * 1000:.0f} ms, efficiency {efficiency:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
