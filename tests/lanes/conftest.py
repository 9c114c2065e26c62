"""Fixtures for lane tests: a board over a tmp project and a runner driving a fake substrate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from lanes.lane_fakes import FakeSubstrate

from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import LabRef
from mimetic.labs.oss_meta import plan_lanes
from mimetic.lanes.board import LaneBoard
from mimetic.lanes.runner import LaneJob, LaneRunner, RunnerSettings
from mimetic.lanes.scrub import lane_scrubber
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project


@dataclass
class LaneHarness:
    board: LaneBoard
    runner: LaneRunner
    jobs: list[LaneJob]
    store: RunStore


@pytest.fixture
def lane_harness(tmp_path: Path):
    """`lane_harness(substrate, count, timeout_s=5)`: a board written to a tmp project and a runner over it."""

    def build(substrate: FakeSubstrate, count: int, *, timeout_s: float = 5.0) -> LaneHarness:
        project = Project(tmp_path / "project")
        project.root.mkdir(exist_ok=True)
        store = RunStore(project, "lanes-test")
        lanes = plan_lanes(["fixture/todo"], count, redact=False)
        board = LaneBoard.create(project, store, lanes, LabRef(id="oss", kind="oss-meta", origin="bundled"), substrate.name)
        board.publish()
        settings = RunnerSettings(script="#!/usr/bin/env bash\n", substrate_name=substrate.name, private=False,
                                  poll_interval_s=0.01, timeout_s=timeout_s, tail_refresh_s=0.05)
        scrubbers = {lane.index: lane_scrubber(lane_root=None, project_root=project.root, home=None) for lane in lanes}
        runner = LaneRunner(board, substrate, settings, scrubbers)
        jobs = [LaneJob(lane, LaneSpec(run_id=store.run_id, index=lane.index, label=lane.label, repo=lane.repo,
                                       stream_id=lane.stream_id, sim_id=lane.sim_id, env={"MIMETIC_LANE_SLUG": lane.repo}))
                for lane in lanes]
        return LaneHarness(board, runner, jobs, store)

    return build
