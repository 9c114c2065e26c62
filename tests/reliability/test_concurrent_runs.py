"""Several `mimetic` processes writing runs into one project at once: no lost run, no torn latest.json."""

from __future__ import annotations

import json
import time

from reliability.support import mimetic_process

COMMANDS = [("lab", "run", "oss", "--dry-run", "--count", "4")] * 4 + [("run", "--dry-run", "--sims", "4")] * 2


def test_concurrent_dry_runs_all_land_and_latest_json_is_always_whole(cli, project):
    assert cli("run", "--dry-run", "--run-id", "seed", "--json").exit_code == 0
    latest = project / ".mimetic/runs/latest.json"

    processes = [mimetic_process(*argv, "--json", cwd=project) for argv in COMMANDS]
    pointed: list[str] = []
    deadline = time.monotonic() + 60
    while any(p.poll() is None for p in processes) and time.monotonic() < deadline:
        pointed.append(json.loads(latest.read_text(encoding="utf-8"))["runId"])  # a torn file would not parse
        time.sleep(0.002)
    outputs = [p.communicate(timeout=30) for p in processes]
    pointed.append(json.loads(latest.read_text(encoding="utf-8"))["runId"])

    assert [p.returncode for p in processes] == [0] * len(COMMANDS), [err for _, err in outputs]
    run_ids = [json.loads(out)["runId"] for out, _ in outputs]
    assert len(set(run_ids)) == len(COMMANDS)
    assert len(pointed) > len(COMMANDS)  # the pointer really was read while the runs were being written
    assert set(pointed) <= {"seed", *run_ids}
    assert pointed[-1] in run_ids
    listed = {run["runId"] for run in cli("runs", "--json").json()["runs"]}
    assert listed == {"seed", *run_ids}
    for run_id in run_ids:
        assert cli("verify", "--run", run_id, "--json").json()["ok"], run_id
    assert not [path for path in (project / ".mimetic").rglob("*.tmp")]
