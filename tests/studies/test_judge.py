"""`judge: model`: a model grades the final screenshot against the rubric, stored beside (never instead of) the checks."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from conftest import CHROMIUM
from fixtures.actor_support import CANARY_KEY, anthropic_env, files_containing, openai_env
from fixtures.fake_anthropic import MAX_EDGE, MAX_PIXELS, images, serve_fake_anthropic
from fixtures.fake_api import png_size
from fixtures.fake_brain import ScriptBrain
from fixtures.fake_responses import serve_fake_openai
from fixtures.mouse_only_app import serve_mouse_only_app
from fixtures.study_project import study_project

from mimetic.studies.judge import parse_grade

browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}")

JUDGED = """schema: mimetic.scenario.v1
id: judged
title: Judged send
goal: Talk to the team.
mode: study
tasks:
  - id: send
    goal: Send the team a message.
    success:
      allOf:
        - text: received
          selector: "#status"
    judge: model
    rubric: RUBRIC-MARKER the page thanks the visitor for the message
    steps:
      - {id: write, action: fill, selector: "#message", value: Hello there}
      - {id: send, action: click, selector: "#send"}
"""


def judged_lab(project: Path, judge: str) -> None:
    """A study lab of one desk persona on the judged scenario, graded as `judge` (YAML) says."""
    study_project(project)
    (project / "mimetic" / "scenarios" / "judged.yaml").write_text(JUDGED, encoding="utf-8")
    (project / "mimetic" / "labs" / "judged-lab.yaml").write_text(
        "schema: mimetic.lab.v1\nid: judged-lab\nkind: study\nscenario: judged\npersonas: [desk-clicker]\n" + judge,
        encoding="utf-8")


@pytest.mark.browser
@browser
def test_the_judge_grades_the_final_screenshot_and_its_verdict_sits_beside_the_checks(cli, project, monkeypatch):
    judged_lab(project, "judge:\n  provider: openai\n  model: gpt-4.1-mini\n")
    # The judge disagrees with the checks: the checks decide the outcome, the verdict is kept beside them.
    reply = ScriptBrain([[("final", '{"verdict": "fail", "rationale": "I cannot see a thank-you."}')]])
    with serve_fake_openai(reply, available={"gpt-4.1-mini"}) as fake, serve_mouse_only_app() as url:
        openai_env(monkeypatch, fake.base_url)
        run = cli("run", "--study", "judged-lab", "--app-url", url, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr
    run_dir = project / run.json()["artifactRoot"]
    attempt = json.loads((run_dir / "study.json").read_text())["lanes"][0]["attempts"][0]
    assert attempt["outcome"] == "reached"
    assert all(check["status"] == "passed" for check in attempt["checks"])
    judge = attempt["judge"]
    assert (judge["status"], judge["verdict"], judge["model"]) == ("graded", "fail", "gpt-4.1-mini")
    assert judge["costUsd"] is not None and judge["costUsd"] > 0

    request, = fake.bodies()
    content = request["input"][0]["content"]
    assert "RUBRIC-MARKER" in content[0]["text"]
    assert content[1]["type"] == "input_image" and content[1]["image_url"].startswith("data:image/png;base64,")
    assert files_containing(project, CANARY_KEY) == []


@pytest.mark.browser
@browser
def test_an_anthropic_judge_grades_through_the_actor_provider_within_the_apis_image_limits(cli, project, monkeypatch):
    judged_lab(project, "judge:\n  provider: anthropic\n")
    reply = ScriptBrain([[("final", '{"verdict": "pass", "rationale": "The page says received."}')]])
    with serve_fake_anthropic(reply) as fake, serve_mouse_only_app() as url:
        anthropic_env(monkeypatch, fake.base_url)
        run = cli("run", "--study", "judged-lab", "--app-url", url, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr
    run_dir = project / run.json()["artifactRoot"]
    judge = json.loads((run_dir / "study.json").read_text())["lanes"][0]["attempts"][0]["judge"]
    # The provider's default model (the same as the Anthropic actor's), priced from the rate table.
    assert (judge["status"], judge["verdict"], judge["model"]) == ("graded", "pass", "claude-sonnet-5-5")
    assert judge["costUsd"] is not None and judge["costUsd"] > 0
    request, = fake.bodies()
    image, = images(request["messages"][0])
    width, height = png_size(base64.b64decode(image["source"]["data"]))
    assert max(width, height) <= MAX_EDGE and width * height <= MAX_PIXELS  # the API rejects larger images
    assert "RUBRIC-MARKER" in request["messages"][0]["content"][1]["text"]
    assert files_containing(project, CANARY_KEY) == []


@pytest.mark.browser
@browser
def test_a_judge_without_its_key_is_recorded_as_skipped_and_the_study_still_runs(cli, project):
    study_project(project)
    (project / "mimetic" / "scenarios" / "judged.yaml").write_text(JUDGED, encoding="utf-8")
    with serve_mouse_only_app() as url:
        run = cli("run", "--study", "judged", "--app-url", url, "--json")
    assert run.exit_code == 0
    lanes = json.loads((project / run.json()["artifactRoot"] / "study.json").read_text())["lanes"]
    judges = {lane["personaId"]: lane["attempts"][0]["judge"] for lane in lanes}
    assert all(j["status"] == "skipped" and "OPENAI_API_KEY" in j["rationale"] for j in judges.values())


@pytest.mark.parametrize(("text", "grade"), [
    ('{"verdict": "pass", "rationale": "done"}', ("pass", "done")),
    ('Sure.\n```json\n{"verdict": "fail"}\n```', ("fail", "")),
    ('{"verdict": "maybe"}', None),
    ("no json here", None),
])
def test_judge_replies_are_parsed_strictly(text, grade):
    assert parse_grade(text) == grade
