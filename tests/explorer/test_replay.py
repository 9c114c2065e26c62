"""`mimetic run --app-url … --actor explore` and `mimetic replay` end to end, through the CLI."""

from __future__ import annotations

import json

import pytest
from conftest import Cli
from fixtures.todo_app import serve_todo_app

from explorer.conftest import needs_chromium, persona_yaml

pytestmark = [pytest.mark.browser, needs_chromium]
LANE = "browser-desktop-stream"


@pytest.fixture(scope="module")
def explored_run(tmp_path_factory):
    """One explorer run (desktop) of the defective app by an impatient persona; the app keeps serving."""
    root = tmp_path_factory.mktemp("explore") / "project"
    root.mkdir()
    persona_yaml(root, "hasty", patience="low")
    cli = Cli(root)
    with serve_todo_app("defective") as url:
        result = cli("run", "--app-url", url, "--actor", "explore", "--persona", "hasty", "--sims", "1", "--seed", "3",
                     "--run-id", "explore-defective", "--json")
        yield cli, url, result


def test_explore_run_fails_the_lane_on_the_dead_add_button_and_writes_the_trace(explored_run):
    cli, _, result = explored_run
    assert result.exit_code == 1, result.stdout
    report = json.loads((cli.cwd / ".mimetic/runs/explore-defective/actors" / f"{LANE}.json").read_text())
    assert report["schema"] == "mimetic.actor.v1" and report["kind"] == "explore" and report["status"] == "failed"
    trace = report["exploration"]
    assert trace["schema"] == "mimetic.explorer-trace.v1" and trace["seed"] == 3 and trace["personaId"] == "hasty"
    found = {(f["kind"], f.get("rule") or (f["control"] or {}).get("name")) for f in trace["findings"]}
    assert {("dead_control", "Add"), ("axe_violation", "image-alt")} <= found
    for finding in trace["findings"]:  # each one carries its evidence, inside the run
        assert (cli.cwd / ".mimetic/runs/explore-defective" / finding["screenshotPath"]).is_file()
    assert cli("verify", "--run", "explore-defective", "--json").exit_code == 0


def test_replay_reproduces_every_finding_then_reports_them_gone_on_the_fixed_app(explored_run):
    cli, url, _ = explored_run
    again = cli("replay", "explore-defective", "--lane", LANE, "--json")
    assert again.exit_code == 1
    data = again.json()
    assert data["schema"] == "mimetic.replay-result.v1" and data["gone"] == 0
    assert data["reproduced"] == len(data["findings"]) >= 2
    with serve_todo_app("good") as fixed:
        after = cli("replay", "explore-defective", "--lane", LANE, "--app-url", fixed, "--json")
    assert after.exit_code == 0, after.stdout
    assert after.json()["reproduced"] == 0 and after.json()["gone"] == len(data["findings"])


def test_replay_of_a_lane_without_an_exploration_is_a_usage_error(explored_run):
    cli, _, _ = explored_run
    missing = cli("replay", "explore-defective", "--lane", "browser-mobile-stream", "--json")
    assert missing.exit_code == 2
    assert missing.json()["error"]["code"] == "MIMETIC_REPLAY_NO_EXPLORATION"
    assert cli("replay", "explore-defective", "--json").json()["error"]["code"] == "MIMETIC_REPLAY_LANE_REQUIRED"


def test_healthy_app_explored_through_the_cli_passes(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    persona_yaml(root, "hasty", patience="low")
    with serve_todo_app("good") as url:
        result = Cli(root)("run", "--app-url", url, "--actor", "explore", "--persona", "hasty", "--sims", "1", "--json")
    assert result.exit_code == 0, result.stdout
