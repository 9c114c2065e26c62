"""The bench scripts keep running against today's interfaces: each scale bench runs at a tiny size and prints
its measurement lines. Nothing here times anything; a missed budget (exit 1) is the bench's verdict, not a
failure of these tests, which fail on a traceback or a missing measurement."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

TINY = {
    "fanout.py": (["--config", "6x3", "--seconds", "0.2", "--repeat", "1"], "6 lanes x 0.2 s at concurrency 3"),
    "served_poll.py": (["--lanes", "40", "--changed", "3", "--repeat", "1"], "poll after 3 lanes changed"),
    "feedback_list.py": (["--lanes", "12", "--repeat", "1"], "feedback list, 12 failed lanes"),
    "dry_run_scale.py": (["--repeat", "1", "--big", "0"], "4-lane median"),
}


@pytest.mark.parametrize("script", sorted(TINY))
def test_a_scale_bench_runs_at_a_tiny_size_and_prints_its_measurements(script):
    args, measurement = TINY[script]
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                          cwd=BENCH, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: over a budget at this size or under load
    assert "Traceback" not in done.stderr
    assert measurement in done.stdout, done.stdout[-2000:]


@pytest.mark.browser
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="process accounting (acct) needs root")
@pytest.mark.skipif(not all(map(shutil.which, ("bwrap", "node", "npm"))), reason="a local lane needs bwrap, node and npm")
def test_the_lane_cpu_bench_runs_one_lane_per_mode_and_prints_the_share():
    done = subprocess.run([sys.executable, str(BENCH / "lane_cpu.py"), "--repeat", "1"], capture_output=True, text=True,
                          cwd=BENCH, timeout=600)
    if done.returncode == 2 and "acct(2) failed" in done.stderr:  # a container without CAP_SYS_PACCT
        pytest.skip(done.stderr.strip())
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "mimetic's share, one lane server (default):" in done.stdout, done.stdout[-2000:]
