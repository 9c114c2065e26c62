"""Personas change behaviour: input style (keyboard-only refuses pointer actions), device presets, patience."""

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


def write_lab(project: Path, personas: list[str]) -> None:
    (project / "mimetic" / "labs" / "contact.yaml").write_text(
        "schema: mimetic.lab.v1\nid: contact\nkind: study\nscenario: send-message\n"
        f"personas: [{', '.join(personas)}]\n", encoding="utf-8")


def test_keyboard_only_persona_has_its_click_refused_and_fails_with_friction_where_a_pointer_persona_passes(cli, project):
    study_project(project)
    write_lab(project, ["keyboard-only", "desk-clicker"])
    with serve_mouse_only_app() as url:
        run = cli("run", "--study", "contact", "--app-url", url, "--json")
    assert run.exit_code == 0, run.stdout + run.stderr  # no require threshold: the study ran
    detail = json.loads((project / run.json()["artifactRoot"] / "study.json").read_text())
    lanes = {lane["personaId"]: lane for lane in detail["lanes"]}
    keyboard, = lanes["keyboard-only"]["attempts"]
    pointer, = lanes["desk-clicker"]["attempts"]
    assert lanes["keyboard-only"]["inputStyle"] == "keyboard-only"

    assert keyboard["outcome"] == "failed"
    refused = [a for a in keyboard["actions"] if a["status"] == "refused"]
    assert [(a["action"], a["label"]) for a in refused] == [("click", "Press Send")]
    assert [f["kind"] for f in keyboard["friction"]] == ["refused-pointer"]
    assert keyboard["actions"][keyboard["divergence"]]["status"] == "refused"
    assert keyboard["selfReport"]["claim"] == "failed"

    assert pointer["outcome"] == "reached"
    assert pointer["friction"] == [] and all(a["status"] == "done" for a in pointer["actions"])
    task = cli("review", "--json").json()["study"]["tasks"][0]
    assert (task["reached"], task["n"], task["failed"], task["friction"]) == (1, 2, 1, 1)


def test_device_presets_size_each_lane_and_patience_bounds_the_steps(cli, project):
    study_project(project)
    (project / "mimetic" / "personas" / "impatient.yaml").write_text(
        "schema: mimetic.persona.v1\nid: impatient\nname: Ida in a hurry\ndevice: tablet\nreadingSpeed: fast\n"
        "budget:\n  maxSteps: 1\n", encoding="utf-8")
    write_lab(project, ["impatient", "phone-commuter"])
    with serve_mouse_only_app() as url:
        run = cli("run", "--study", "contact", "--app-url", url, "--json")
    bundle = json.loads((project / run.json()["artifactRoot"] / "run.json").read_text())
    viewports = {s["id"].split("-", 2)[2]: (s["viewport"]["width"], s["viewport"]["height"]) for s in bundle["streams"]}
    assert viewports == {"impatient": (820, 1180), "phone-commuter": (390, 844)}
    detail = json.loads((project / run.json()["artifactRoot"] / "study.json").read_text())
    impatient = next(lane for lane in detail["lanes"] if lane["personaId"] == "impatient")["attempts"][0]
    # One action allowed: it wrote the message, then gave up before pressing Send.
    assert (impatient["outcome"], impatient["stoppedBy"], impatient["steps"]) == ("abandoned", "budget", 1)
