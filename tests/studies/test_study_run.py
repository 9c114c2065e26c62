"""`mimetic run --study` on the todo fixture app: personas x tasks, outcomes with denominators, feedback."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from conftest import CHROMIUM
from fixtures.study_project import study_project
from fixtures.todo_app import serve_todo_app
from reliability.support import mimetic_process, signal_once_there, verify_ok

from mimetic.browser.chromium import DESKTOP, launch_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}"),
]


def observer_header(run_dir: Path) -> str:
    """The run header of the Observer page as Chromium renders it from file://."""
    with launch_chromium(CHROMIUM) as launched:
        context = launched.new_context(DESKTOP)
        page = context.new_page()
        page.goto((run_dir / "observer" / "index.html").resolve().as_uri())
        page.wait_for_selector("#run-meta dt")
        text = page.locator("#run-meta").inner_text()
        context.close()
    return text


def tasks_by_id(study: dict) -> dict[str, dict]:
    return {task["taskId"]: task for task in study["tasks"]}


def test_scripted_study_of_the_good_app_reports_every_task_reached_with_its_denominator(cli, project):
    study_project(project)
    with serve_todo_app("good") as url:
        run = cli("run", "--study", "todo-study", "--app-url", url, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr
    review = cli("review", "--json")
    assert review.exit_code == 0, review.stdout
    study = review.json()["study"]
    tasks = tasks_by_id(study)
    assert {t: (v["reached"], v["n"]) for t, v in tasks.items()} == {"add-todo": (2, 2), "complete-and-filter": (2, 2)}
    assert {p["personaId"]: (p["reached"], p["n"]) for p in study["personas"]} == {
        "desk-clicker": (2, 2), "phone-commuter": (2, 2)}
    assert [(f["taskId"], f["reached"], f["n"]) for f in study["funnel"]] == [
        ("add-todo", 2, 2), ("complete-and-filter", 2, 2)]
    human = cli("review")
    assert "- task add-todo: 2/2 reached" in human.stdout and "- funnel: add-todo 2/2 > complete-and-filter 2/2" in human.stdout

    run_dir = project / run.json()["artifactRoot"]
    observer = json.loads((run_dir / "observer" / "observer-data.json").read_text())
    assert [(t["taskId"], t["reached"], t["n"]) for t in observer["run"]["study"]["tasks"]] == [
        ("add-todo", 2, 2), ("complete-and-filter", 2, 2)]
    assert observer_header(run_dir).lower().count("reached") == 2
    assert "add-todo 2/2 · complete-and-filter 2/2" in observer_header(run_dir)

    stats = cli("stats", "--json").json()
    assert [(t["taskId"], t["reached"], t["n"]) for t in stats["tasks"]] == [("add-todo", 2, 2), ("complete-and-filter", 2, 2)]
    assert {(p["personaId"], p["reached"], p["n"]) for p in stats["personas"]} == {("desk-clicker", 2, 2), ("phone-commuter", 2, 2)}
    assert "task complete-and-filter: 2/2 reached" in cli("stats").stdout


def test_swapped_filter_is_a_failed_task_with_its_evidence_step_and_drafts_a_target_app_issue(cli, project):
    study_project(project)
    with serve_todo_app("defective") as url:
        run = cli("run", "--study", "todo-study", "--app-url", url, "--json")
    # The study ran; 0/2 on a required task is below the lab's require 0.5, so CI mode fails the run.
    assert run.exit_code == 1, run.stdout + run.stderr
    assert run.json()["error"]["code"] == "MIMETIC_STUDY_BELOW_REQUIRE"
    study = cli("review", "--json").json()["study"]
    tasks = tasks_by_id(study)
    assert (tasks["add-todo"]["reached"], tasks["add-todo"]["n"]) == (2, 2)
    filtered = tasks["complete-and-filter"]
    assert (filtered["reached"], filtered["failed"], filtered["n"]) == (0, 2, 2)
    assert study["belowRequire"] == ["complete-and-filter"]
    assert [(f["reached"], f["n"]) for f in study["funnel"]] == [(2, 2), (0, 2)]

    run_dir = project / run.json()["artifactRoot"]
    detail = json.loads((run_dir / "study.json").read_text())
    attempt = next(a for a in detail["lanes"][0]["attempts"] if a["taskId"] == "complete-and-filter")
    assert attempt["outcome"] == "failed"
    failed_check = next(c for c in attempt["checks"] if c["status"] == "failed")
    assert "Buy oat milk" in failed_check["expected"]
    evidence_step = attempt["actions"][attempt["divergence"]]
    assert evidence_step["label"] == "The errand is listed under Completed"
    assert evidence_step["status"] == "failed"

    draft = cli("feedback", "draft", "--json")
    assert draft.exit_code == 0, draft.stdout + draft.stderr
    body = json.loads((project / draft.json()["draftPath"]).read_text())  # feedback/<candidate-id>/draft.json
    assert body["failure_owner"] == "target-app"
    assert body["source_candidate_id"] == "study-task-complete-and-filter"
    assert "0/2" in body["summary"] and "The errand is listed under Completed" in body["actual"]
    shots = [e["path"] for e in body["evidence"] if e["kind"] == "screenshot"]
    assert shots and all((run_dir / path).is_file() for path in shots)  # run-relative evidence
    assert cli("feedback", "verify", "--json").exit_code == 0


def test_a_study_stopped_by_sigterm_mid_run_ends_interrupted_with_a_verifiable_bundle(project):
    study_project(project)
    with serve_todo_app("good") as url:
        process = mimetic_process("run", "--study", "todo-study", "--app-url", url, "--run-id", "study-term", "--json",
                                  cwd=project)
        # The run folder appears with the first lane's first file.
        out, err = signal_once_there(process, project / ".mimetic/runs/study-term", signal.SIGTERM)
    assert process.returncode == 130, err[-2000:]
    data = json.loads(out)
    assert (data["runId"], data["verdict"], data["error"]["code"]) == ("study-term", "interrupted", "MIMETIC_INTERRUPTED")
    verify_ok(project, "study-term")
