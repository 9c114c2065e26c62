"""Fan-out benchmark: N fake lanes that each take T seconds, run at concurrency C through the real lane runner.

Prints the wall time and its ratio to the ideal ceil(N / C) * T (1.00 = no overhead at all):

    python bench/fanout.py --lanes 16 --concurrency 8 --seconds 1
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1.0, help="how long each lane takes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp))
        store = RunStore(project, "bench-fanout")
        lanes = plan_lanes(["bench/app"], args.lanes, redact=False)
        board = LaneBoard.create(project, store, lanes, LabRef(id="bench", kind="oss-meta", origin="bench"), "bench")
        board.publish()
        settings = RunnerSettings(script="", substrate_name="bench", private=False, poll_interval_s=0.01,
                                  timeout_s=args.seconds * 10 + 10)
        runner = LaneRunner(board, SleepSubstrate(args.seconds), settings,
                            {lane.index: lane_scrubber(lane_root=None, project_root=project.root, home=None)
                             for lane in lanes})
        jobs = [LaneJob(lane, LaneSpec(run_id=store.run_id, index=lane.index, label=lane.label, repo=lane.repo,
                                       stream_id=lane.stream_id, sim_id=lane.sim_id)) for lane in lanes]
        started = time.monotonic()
        outcome = runner.run(jobs, concurrency=args.concurrency)
        elapsed = time.monotonic() - started
    ideal = math.ceil(args.lanes / args.concurrency) * args.seconds
    passed = sum(r.status == "passed" for r in outcome.results)
    print(f"lanes={args.lanes} concurrency={args.concurrency} lane_seconds={args.seconds:g} passed={passed}")
    print(f"elapsed={elapsed:.3f}s ideal={ideal:.3f}s ratio={elapsed / ideal:.3f}")


if __name__ == "__main__":
    main()
