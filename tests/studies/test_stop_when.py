"""`stopWhen` ends an attempt as soon as its rule matches (checked after every action's settle interval)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CHROMIUM
from fixtures.mouse_only_app import serve_mouse_only_app
from fixtures.study_project import study_project

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}"),
]

# A participant that would go on for eight actions; the second one makes the confirmation appear.
SCENARIO = """schema: mimetic.scenario.v1
id: keep-sending
title: Keep sending
goal: Talk to the team.
mode: study
tasks:
  - id: send
    goal: Send the team a message.
    success:
      allOf:
        - text: received
          selector: "#status"
      stopWhen:
        anyOf:
          - text: received
            selector: "#status"
          - urlIncludes: "#never"
    steps:
""" + "".join(f"""      - id: write-{n}
        action: fill
        selector: "#message"
        value: Message number {n}
      - id: send-{n}
        action: click
        selector: "#send"
""" for n in range(1, 5))


def test_stop_when_ends_the_attempt_at_the_action_that_made_it_match(cli, project):
    study_project(project)
    (project / "mimetic" / "scenarios" / "keep-sending.yaml").write_text(SCENARIO, encoding="utf-8")
    (project / "mimetic" / "personas" / "desk-clicker.yaml").rename(project / "only.yaml")
    for other in (project / "mimetic" / "personas").iterdir():
        other.unlink()
    (project / "only.yaml").rename(project / "mimetic" / "personas" / "desk-clicker.yaml")
    with serve_mouse_only_app() as url:
        run = cli("run", "--study", "keep-sending", "--app-url", url, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr
    detail = json.loads((project / run.json()["artifactRoot"] / "study.json").read_text())
    attempt, = detail["lanes"][0]["attempts"]
    assert attempt["stoppedBy"] == "stopWhen"
    assert attempt["steps"] == 2
    assert [a["label"] for a in attempt["actions"]] == ["write-1", "send-1"]
    assert attempt["outcome"] == "reached"
