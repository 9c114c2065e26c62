"""Bad study input is a clear error with exit 2 and nothing written; a study with no app answering is blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUM
from fixtures.study_project import study_project


@pytest.mark.parametrize(("args", "code"), [
    (["--study", "nowhere", "--app-url", "http://127.0.0.1:9"], "MIMETIC_STUDY_NOT_FOUND"),
    (["--study", "todo-study"], "MIMETIC_INVALID_APP_URL"),
    (["--study", "todo-study", "--app-url", "https://example.com/"], "MIMETIC_INVALID_APP_URL"),
    (["--study", "todo-study", "--app-url", "http://127.0.0.1:9", "--actor", "codex-tui"], "MIMETIC_UNSUPPORTED_ACTOR"),
    (["--study", "todo-study", "--app-url", "http://127.0.0.1:9", "--require", "1.5"], "MIMETIC_INVALID_REQUIRE"),
    (["--study", "todo-study", "--app-url", "http://127.0.0.1:9", "--dry-run"], "MIMETIC_APP_URL_OPTION_CONFLICT"),
    (["--app-url", "http://127.0.0.1:9", "--require", "0.5"], "MIMETIC_APP_URL_OPTION_CONFLICT"),
    (["todo-study", "--study", "todo-study"], "MIMETIC_APP_URL_OPTION_CONFLICT"),
])
def test_bad_study_input_exits_2_and_writes_nothing(cli, project, args, code):
    study_project(project)
    result = cli("run", *args, "--json")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.json()["error"]["code"] == code
    assert not (project / ".mimetic").exists()


def test_a_scenario_without_tasks_is_not_a_study(cli, project):
    study_project(project)
    (project / "mimetic" / "scenarios" / "plain.yaml").write_text(
        "schema: mimetic.scenario.v1\nid: plain\ntitle: Plain\ngoal: Look around.\n", encoding="utf-8")
    result = cli("run", "--study", "plain", "--app-url", "http://127.0.0.1:9", "--json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "MIMETIC_STUDY_INVALID" and "has no tasks" in result.json()["error"]["message"]


def test_a_non_study_lab_is_refused_as_a_study(cli, project):
    study_project(project)
    result = cli("run", "--study", "first-run", "--app-url", "http://127.0.0.1:9", "--json")
    assert result.exit_code == 2 and "kind synthetic" in result.json()["error"]["message"]


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}")
def test_a_study_whose_app_is_down_is_blocked_for_every_attempt_and_blames_the_harness(cli, project):
    study_project(project)
    result = cli("run", "--study", "todo-study", "--app-url", "http://127.0.0.1:9/", "--json")
    assert result.exit_code == 1
    assert result.json()["error"]["code"] == "MIMETIC_STUDY_BLOCKED"
    study = cli("review", "--json").json()["study"]
    assert [(t["blocked"], t["n"]) for t in study["tasks"]] == [(2, 2), (2, 2)]
    listed = cli("feedback", "list", "--json").json()["candidates"]
    owners = {c["candidate"]["id"]: c["candidate"]["failure_owner"] for c in listed}
    assert owners["study-harness-add-todo"] == "harness"
    assert not any(owner == "target-app" for cid, owner in owners.items() if cid.startswith("study-"))


def test_a_study_lab_runs_through_lab_run_but_never_as_a_dry_run(cli, project):
    study_project(project)
    dry = cli("lab", "run", "todo-study", "--dry-run", "--json")
    assert dry.exit_code == 2 and dry.json()["error"]["code"] == "MIMETIC_LAB_OPTION_CONFLICT"
    no_url = cli("run", "todo-study", "--json")  # the lab names no appUrl and `run <lab>` takes no --app-url
    assert no_url.exit_code == 2 and no_url.json()["error"]["code"] == "MIMETIC_INVALID_APP_URL"
    assert not (project / ".mimetic").exists()
