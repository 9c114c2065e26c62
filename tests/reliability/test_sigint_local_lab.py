"""Ctrl-C at random points of a real local lab run always leaves a verifiable bundle and nothing running.

Each attempt starts `mimetic lab run oss --substrate local` on fixture repos (a file:// mirror) and
sends SIGINT after a seeded random delay: early (start-up, placeholder bundle, launches), middle
(clone, init, install, app start) or late (nested browser proof, verify). Whatever the moment, the
run must end 130 (or 0/1 when it finished first), `mimetic verify --run latest` must pass, and no
lane process or temp clone may be left behind.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from fixtures.git_repos import make_mirror
from fixtures.processes import lane_processes
from reliability.support import mimetic_process, verify_ok

from conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs node and npm"),
    pytest.mark.skipif(importlib.util.find_spec("mimetic.browser.proof") is None, reason="needs the browser proof"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds lane processes through /proc"),
]

SEED = int(os.environ.get("MIMETIC_RELIABILITY_SEED", "20260505"))
# A 4-lane local run takes about 15 s on 2 cores; one delay is drawn from each window.
WINDOWS = ((0.3, 1.5), (1.5, 5.0), (5.0, 12.0))


def test_sigint_at_random_points_of_a_local_lab_run_leaves_a_verifiable_run_and_nothing_running(tmp_path, project):
    mirror = make_mirror(tmp_path)
    env = {"MIMETIC_GIT_BASE_URL": mirror.base_url}
    rng = random.Random(SEED)
    outcomes = []
    for attempt, (low, high) in enumerate(WINDOWS):
        delay = round(rng.uniform(low, high), 2)
        run_id = f"sigint-{attempt}"
        process = mimetic_process("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--count",
                                  "4", "--run-id", run_id, "--json", cwd=project, env=env)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=45)
        outcomes.append((delay, process.returncode))
        context = f"seed {SEED}, attempt {attempt}, SIGINT after {delay}s: exit {process.returncode}\n{err[-1500:]}"

        assert "Traceback" not in err, context
        run_dir = project / ".mimetic/runs" / run_id
        if run_dir.exists():
            assert process.returncode in (130, 0, 1), context
            data = json.loads(out)  # exactly one JSON document, even when interrupted
            assert data["runId"] == run_id, context
            if process.returncode == 130:
                assert data["verdict"] == "interrupted", context
                statuses = {s["completionStatus"] for s in data["sandboxes"]}
                assert statuses <= {"interrupted", "passed", "failed", "blocked"}, context
            verify_ok(project, run_id)
        else:  # interrupted during start-up, before the run existed: nothing of it was written
            assert process.returncode in (130, -signal.SIGINT), context
            if out:  # mimetic's own handler ran (argument parsing and Python's start-up print nothing)
                assert json.loads(out)["error"]["code"] == "MIMETIC_INTERRUPTED", context
        if (project / ".mimetic/runs/latest.json").exists():
            verify_ok(project, "latest")
        assert lane_processes(project) == [], context
        leftovers = [p.relative_to(project).as_posix() for p in (project / ".mimetic/tmp").rglob("*")
                     if p.name != "oss-meta"] if (project / ".mimetic/tmp").exists() else []
        assert leftovers == [], context
    assert any(code == 130 for _, code in outcomes), outcomes
