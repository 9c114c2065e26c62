"""Fan-out efficiency and host CPU per lane of the real lane runner: N fake lanes of T seconds at concurrency C.

    python bench/fanout.py [--seconds 1] [--repeat 3] [--config 16x8 --config 64x32 ...]
    python bench/fanout.py --cpu [--before /tmp/before/src]   # 64 / 1,024 / 4,096 lanes at concurrency 32

Every lane is a sandbox whose completion.json appears T seconds after its bootstrap starts, so all
the runner's own work is real: receipts, board transitions, bundle and Observer writes, polling.
Prints the median wall time of each configuration next to the ideal ceil(N / C) * T and the
efficiency ideal / actual (1.00 = no overhead), and the host CPU per lane (this process, every
thread, while the runner runs). With --cpu the configurations are 64, 1,024 and 4,096 lanes at
concurrency 32 and the budget is issue 18's: CPU per lane at 4,096 lanes at most 1.2x the one at 64.
With --before (another checkout's src/), each configuration runs in a child process for both trees,
in turns, and both are printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import row, source_tree_env, verdict

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
CPU_CONFIGS = ("64x32", "1024x32", "4096x32")
CPU_GROWTH_BUDGET = 1.2
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

    def audit(self, completion):
        from mimetic.lanes.claims import ClaimCheck

        return ClaimCheck()  # the bench lane's claim holds: nothing to refuse

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


def run_once(lanes_count: int, concurrency: int, seconds: float) -> tuple[float, float]:
    """One fan-out in a fresh project: the runner's wall time and this process's CPU time (setup excluded)."""
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
        started, cpu = time.perf_counter(), time.process_time()
        outcome = runner.run(jobs, concurrency=concurrency)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    passed = sum(r.status == "passed" for r in outcome.results)
    if passed != lanes_count:
        raise SystemExit(f"only {passed} of {lanes_count} bench lanes passed: {outcome.results[0]}")
    return elapsed, cpu


def measure(tree: str | None, lanes_count: int, concurrency: int, seconds: float) -> tuple[float, float]:
    """One fan-out in this process (tree None) or in a child process importing mimetic from `tree`."""
    if tree is None:
        return run_once(lanes_count, concurrency, seconds)
    output = subprocess.run([sys.executable, __file__, "--child", f"{lanes_count}x{concurrency}", "--seconds",
                             str(seconds)], env=source_tree_env(tree), check=True, capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.abspath(__file__))).stdout
    wall, cpu = json.loads(output.splitlines()[-1])
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="how long each lane takes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration (median is reported)")
    parser.add_argument("--config", action="append", metavar="LANESxCONCURRENCY",
                        help=f"repeatable; default {' '.join(DEFAULT_CONFIGS)}")
    parser.add_argument("--cpu", action="store_true", help=f"host CPU per lane at {' '.join(CPU_CONFIGS)} (budget)")
    parser.add_argument("--before", metavar="SRC", help="another checkout's src/ to measure side by side")
    parser.add_argument("--child", metavar="LANESxCONCURRENCY", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lanes_count, concurrency = (int(n) for n in args.child.split("x"))
        print(json.dumps(run_once(lanes_count, concurrency, args.seconds)))
        return 0
    configs = [tuple(int(n) for n in c.split("x")) for c in (args.config or (CPU_CONFIGS if args.cpu else DEFAULT_CONFIGS))]
    trees = {"this tree": os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/src" if args.before else None,
             **({"before": args.before} if args.before else {})}
    cpu_per_lane: dict[str, dict[int, float]] = {name: {} for name in trees}
    for lanes_count, concurrency in configs:
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(args.repeat):
            for name, tree in trees.items():
                samples[name].append(measure(tree, lanes_count, concurrency, args.seconds))
        ideal = math.ceil(lanes_count / concurrency) * args.seconds
        for name, runs in samples.items():
            elapsed = statistics.median(wall for wall, _ in runs)
            cpu = statistics.median(cpu for _, cpu in runs) / lanes_count
            cpu_per_lane[name][lanes_count] = cpu
            label = f"{name}: " if args.before else ""
            row(f"{label}{lanes_count} lanes x {args.seconds:g} s at concurrency {concurrency} (median of {args.repeat})",
                elapsed, f"ideal {ideal * 1000:.0f} ms, efficiency {ideal / elapsed:.2f}, CPU {cpu * 1000:.1f} ms/lane")
    ok = True
    if len(configs) > 1:
        for name, by_lanes in cpu_per_lane.items():
            smallest, largest = min(by_lanes), max(by_lanes)
            growth = by_lanes[largest] / by_lanes[smallest]
            print(f"{name}: CPU per lane at {largest} lanes / at {smallest} lanes: {growth:.2f}x")
        if args.cpu:
            by_lanes = cpu_per_lane["this tree"]
            ok = verdict(f"CPU per lane growth <= {CPU_GROWTH_BUDGET}x",
                         by_lanes[max(by_lanes)] / by_lanes[min(by_lanes)] <= CPU_GROWTH_BUDGET)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
