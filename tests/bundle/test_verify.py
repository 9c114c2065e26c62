"""`verify`: missing or empty evidence, env-file names and secrets deep in large files fail the bundle."""

from __future__ import annotations

import pytest
from fixtures.observer_runs import make_observer_run

from mimetic.bundle.verify import verify_run
from mimetic.project import Project


def failed(result) -> dict[str, str]:
    return {check.name: check.message for check in result.checks if not check.ok}


@pytest.fixture
def run(project):
    store, bundle = make_observer_run(project, lanes=2)
    assert verify_run(Project(project.resolve()), store.run_id).ok
    return Project(project.resolve()), store


def test_a_zero_byte_evidence_file_fails_verify(run):
    project, store = run
    (store.dir / "screenshots/sim-01-ui.png").write_bytes(b"")
    problems = failed(verify_run(project, store.run_id))
    assert "screenshots/sim-01-ui.png" in problems["local evidence artifacts exist"]


def test_a_missing_evidence_file_fails_verify(run):
    project, store = run
    (store.dir / "actors/sim-01-ui.json").unlink()
    assert "actors/sim-01-ui.json" in failed(verify_run(project, store.run_id))["local evidence artifacts exist"]


@pytest.mark.parametrize("name", [".env.local", "lanes/oss-01/.env.production.local", ".env"])
def test_an_env_file_anywhere_in_the_run_fails_verify(run, name):
    project, store = run
    target = store.dir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("DATABASE_URL=postgres://localhost/app\n")
    assert name in failed(verify_run(project, store.run_id))["public-safety scan"]


def test_a_token_deep_in_a_large_log_fails_verify(run, monkeypatch):
    project, store = run
    monkeypatch.setenv("APP_API_TOKEN", "cnry-deep-0c9d8e7f6a5b")
    (store.dir / "logs").mkdir(exist_ok=True)
    with (store.dir / "logs" / "app.log").open("wb") as log:  # the app log of a chatty dev server
        log.write(b"GET /api/todos 200 3ms\n" * 600_000)  # ~13 MiB, past the 8 MiB verify used to read
        log.write(b"boot: signing with cnry-deep-0c9d8e7f6a5b\n")
    assert "logs/app.log: known secret value" in failed(verify_run(project, store.run_id))["public-safety scan"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "nested"])
def test_a_run_json_that_is_a_fifo_a_device_or_deeply_nested_fails_verify_and_is_skipped_by_runs(cli, run, kind):
    import os

    project, store = run
    target = store.dir / "run.json"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", target)
    else:
        target.write_text("[" * 200_000 + "]" * 200_000)
    verify = cli("verify", "--run", store.run_id, "--json")  # would block forever reading a FIFO or /dev/zero
    assert verify.exit_code == 2 and "Traceback" not in verify.stdout + verify.stderr
    runs = cli("runs", "--json")
    assert runs.exit_code == 0 and store.run_id in {r["runId"] for r in runs.json()["runs"]}
    stats = cli("stats", "--json")
    assert stats.exit_code == 0 and "Traceback" not in stats.stdout + stats.stderr


def test_a_deeply_nested_lab_manifest_exits_2_with_a_message(cli, project):
    (project / "mimetic/labs").mkdir(parents=True, exist_ok=True)
    (project / "mimetic/labs/deep.yaml").write_text("schema: mimetic.lab.v1\nid: deep\nkind: synthetic\nx: "
                                                     + "[" * 50_000 + "]" * 50_000 + "\n")
    result = cli("lab", "inspect", "deep", "--json")
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr
    assert result.json()["error"]["code"] == "MIMETIC_LAB_INVALID"
