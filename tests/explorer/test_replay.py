"""`mimetic run --app-url … --actor explore` and `mimetic replay` end to end, through the CLI."""

from __future__ import annotations

import json

import pytest
from conftest import CHROMIUM, Cli
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


def test_observer_lane_panel_lists_the_findings_with_their_screenshots(explored_run):
    from mimetic.browser.chromium import DESKTOP, launch_chromium

    cli, _, _ = explored_run
    page_path = cli.cwd / ".mimetic/runs/explore-defective/observer/index.html"
    report = json.loads((cli.cwd / ".mimetic/runs/explore-defective/actors" / f"{LANE}.json").read_text())
    titles = [f["title"] for f in report["exploration"]["findings"]]
    with launch_chromium(CHROMIUM) as launched:
        page = launched.new_context(DESKTOP).new_page()
        page.goto(f"{page_path.as_uri()}#focus={LANE}")
        card = page.locator(".explorer-findings")
        card.wait_for()
        assert card.locator("li > div").all_inner_texts() == titles
        images = card.locator("img")
        assert images.count() == len(titles)
        # Each screenshot really loads from the run directory (naturalWidth 0 means a broken image).
        images.last.scroll_into_view_if_needed()
        page.wait_for_function("Array.from(document.querySelectorAll('.explorer-findings img')).every(i => i.complete)")
        assert all(width > 0 for width in images.evaluate_all("els => els.map(e => e.naturalWidth)"))
