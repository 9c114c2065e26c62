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
