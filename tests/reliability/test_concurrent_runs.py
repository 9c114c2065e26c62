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


def test_eight_processes_racing_on_one_run_id_exactly_one_gets_it(cli, project):
    processes = [mimetic_process("run", "--dry-run", "--sims", "2", "--run-id", "contested", "--json", cwd=project)
                 for _ in range(8)]
    outputs = [p.communicate(timeout=120) for p in processes]
    codes = sorted(p.returncode for p in processes)
    assert codes == [0] + [2] * 7, [err[-500:] for _, err in outputs]
    losers = [json.loads(out) for (out, _), p in zip(outputs, processes) if p.returncode == 2]
    assert {doc["error"]["code"] for doc in losers} == {"MIMETIC_RUN_EXISTS"}
    assert cli("verify", "--run", "contested", "--json").json()["ok"] is True  # the winner's run, not a mix


def test_stores_that_all_saw_the_run_id_free_still_create_it_only_once(project):
    import threading

    from mimetic.bundle.store import RunStore
    from mimetic.errors import MimeticError
    from mimetic.project import Project

    root = Project(project.resolve())
    stores = [RunStore.new(root, "contested") for _ in range(8)]  # every check passes: nothing exists yet
    barrier, outcomes = threading.Barrier(8), []

    def create(store):
        barrier.wait()
        try:
            store.write_text("owner.txt", f"{id(store)}\n")
            outcomes.append("created")
        except MimeticError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=create, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["MIMETIC_RUN_EXISTS"] * 7 + ["created"]
