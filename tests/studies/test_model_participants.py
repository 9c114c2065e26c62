"""Model actors as study participants, through the real `openai` SDK against the loopback Responses fake.

The fake plays a computer-use model: its clicks land where a model would click (element centres
measured in the same viewport beforehand). The model's own verdict is only the self-report; mimetic's
checks decide `reached`; `stopWhen` ends a model that would otherwise go on.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM
from fixtures.actor_support import CANARY_KEY, centre, files_containing, openai_env
from fixtures.fake_responses import click, computer_call, keypress, serve_fake_responses, type_text, verdict_message
from fixtures.mouse_only_app import serve_mouse_only_app
from fixtures.study_project import study_project
from fixtures.todo_app import serve_todo_app

from mimetic.browser.chromium import launch_chromium
from mimetic.studies.behaviour import DEVICES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}"),
]

MODEL_LAB = ("schema: mimetic.lab.v1\nid: {id}\nkind: study\nscenario: {scenario}\npersonas: [{personas}]\n"
             "require: 0.5\nactor:\n  kind: openai-cua\n")


def measure(url: str, device: str, selectors: list[str], todos_before: int = 0) -> list[tuple[int, int]]:
    """Element centres in a device's viewport, on a scratch copy of the app holding `todos_before` todos."""
    for n in range(todos_before):
        request = urllib.request.Request(f"{url}/api/todos", data=json.dumps({"title": f"t{n}"}).encode(),
                                         headers={"content-type": "application/json"}, method="POST")
        urllib.request.urlopen(request, timeout=5).read()
    with launch_chromium(CHROMIUM) as launched:
        context = launched.new_context(DEVICES[device])
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(f"#todo-list li >> nth={todos_before - 1}" if todos_before else "#new-todo")
        found = [centre(page, selector) for selector in selectors]
        context.close()
    return found


def todo_script() -> list:
    """Two lanes (desktop, then mobile), two tasks each: add the errand, then tick it and open Completed.

    Lane two sees lane one's errand too (the app keeps one list), so its errand is the second item."""
    script = []
    for lane, (device, before) in enumerate((("desktop", 1), ("mobile", 2))):
        with serve_todo_app("good") as scratch:
            box, toggle, completed = measure(scratch, device, ["#new-todo", f"#todo-list li >> nth={before - 1} >> input.toggle",
                                                                "#filters a[data-filter=completed]"], before)
        script += [computer_call(click(*box), type_text("Buy oat milk"), keypress("ENTER"), batched=True,
                                 call_id=f"add-{lane}"),
                   verdict_message("passed", summary="I added it."),
                   computer_call(click(*toggle), click(*completed), batched=True, call_id=f"done-{lane}"),
                   verdict_message("passed", summary="It is under Completed.")]
    return script


@pytest.mark.parametrize("variant", ["good", "defective"])
def test_model_participants_study_the_todo_app_and_only_the_checks_decide_reached(cli, project, monkeypatch, variant):
    study_project(project)
    (project / "mimetic" / "labs" / "model-study.yaml").write_text(
        MODEL_LAB.format(id="model-study", scenario="todo-study", personas="desk-clicker, phone-commuter"),
        encoding="utf-8")
    script = todo_script()
    with serve_fake_responses(script) as fake, serve_todo_app(variant) as url:
        openai_env(monkeypatch, fake.base_url)
        run = cli("run", "--study", "model-study", "--app-url", url, "--json")
    assert len(fake.response_requests()) == 8
    study = cli("review", "--json").json()["study"]
    counts = {t["taskId"]: (t["reached"], t["failed"], t["n"]) for t in study["tasks"]}
    detail = json.loads((project / run.json()["artifactRoot"] / "study.json").read_text())
    reports = [a["selfReport"]["claim"] for lane in detail["lanes"] for a in lane["attempts"]]
    assert reports == ["reached"] * 4  # every participant said it made it
    if variant == "good":
        assert run.exit_code == 0, run.stdout + run.stderr
        assert counts == {"add-todo": (2, 0, 2), "complete-and-filter": (2, 0, 2)}
    else:
        assert run.exit_code == 1 and run.json()["error"]["code"] == "MIMETIC_STUDY_BELOW_REQUIRE"
        assert counts == {"add-todo": (2, 0, 2), "complete-and-filter": (0, 2, 2)}
        attempt = detail["lanes"][0]["attempts"][1]
        assert attempt["outcome"] == "failed" and attempt["actions"][attempt["divergence"]]["action"] == "click"
        cost = attempt["costUsd"]
        assert cost is not None and cost > 0
        assert cli("feedback", "draft", "--json").exit_code == 0
        draft = json.loads((project / run.json()["artifactRoot"] / "feedback" / "draft.json").read_text())
        assert (draft["failure_owner"], draft["source_candidate_id"]) == ("target-app", "study-task-complete-and-filter")
    # The model was told the goal, never the success checks; its key never reached a file.
    told = json.dumps(fake.response_requests())
    assert "Add \\\"Buy oat milk\\\" to your todo list." in told
    assert "#/completed" not in told and "#todo-list" not in told
    assert files_containing(project, CANARY_KEY) == []


def test_stop_when_ends_a_model_that_would_otherwise_go_on(cli, project, monkeypatch):
    study_project(project)
    (project / "mimetic" / "labs" / "model-contact.yaml").write_text(
        MODEL_LAB.format(id="model-contact", scenario="keep-sending", personas="desk-clicker"), encoding="utf-8")
    (project / "mimetic" / "scenarios" / "keep-sending.yaml").write_text(
        "schema: mimetic.scenario.v1\nid: keep-sending\ntitle: Keep sending\ngoal: Talk.\nmode: study\ntasks:\n"
        "  - id: send\n    goal: Send the team a message.\n    success:\n      allOf:\n        - text: received\n"
        "      stopWhen:\n        anyOf:\n          - text: received\n            selector: \"#status\"\n",
        encoding="utf-8")
    with serve_mouse_only_app() as url:
        with launch_chromium(CHROMIUM) as launched:
            context = launched.new_context(DEVICES["desktop"])
            page = context.new_page()
            page.goto(url)
            message, send = centre(page, "#message"), centre(page, "#send")
            context.close()
        # Every turn asks for more: write, send, and again — forever (sticky).
        endless = computer_call(click(*message), type_text("Hello"), click(*send), batched=True, call_id="again")
        endless.sticky = True
        with serve_fake_responses([endless]) as fake:
            openai_env(monkeypatch, fake.base_url)
            run = cli("run", "--study", "model-contact", "--app-url", url, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr
    detail = json.loads((project / run.json()["artifactRoot"] / "study.json").read_text())
    attempt, = detail["lanes"][0]["attempts"]
    assert (attempt["stoppedBy"], attempt["steps"], attempt["outcome"]) == ("stopWhen", 3, "reached")
    assert len(fake.response_requests()) == 1  # ended inside the first turn, before asking the model again
    report = json.loads((project / run.json()["artifactRoot"] / "actors" / f"{detail['lanes'][0]['id']}-send.json").read_text())
    assert report["status"] == "passed" and report["reason"].startswith("Ended by the study: stopWhen matched")
