"""Bad input to `mimetic run --app-url` exits 2 before anything is written (no browser is launched)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import files_under
from fixtures.todo_app import SCENARIOS_DIR


def write(project: Path, relative: str, text: str) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def assert_rejected(call, code: str, project: Path) -> dict:
    assert call.exit_code == 2, call.stdout + call.stderr
    error = call.json()["error"]
    assert error["code"] == code
    assert not (project / ".mimetic").exists(), f"wrote {files_under(project / '.mimetic')}"
    return error


@pytest.mark.parametrize("url", ["https://example.com", "http://127.0.0.1/?token=abc", "http://user:pw@localhost"])
def test_non_loopback_or_credentialed_urls_exit_2_and_write_nothing(cli, project, url):
    error = assert_rejected(cli("run", "--app-url", url, "--json"), "MIMETIC_INVALID_APP_URL", project)
    assert "abc" not in error["message"] and "pw@" not in error["message"]


@pytest.mark.parametrize("sims", ["0", "3"])
def test_sim_count_other_than_one_or_two_is_rejected(cli, project, sims):
    call = cli("run", "--app-url", "http://127.0.0.1:9", "--sims", sims, "--json")
    assert_rejected(call, "MIMETIC_INVALID_SIM_COUNT", project)


def test_unknown_actor_is_rejected(cli, project):
    call = cli("run", "--app-url", "http://127.0.0.1:9", "--actor", "robot", "--json")
    assert_rejected(call, "MIMETIC_UNSUPPORTED_ACTOR", project)


def test_missing_chromium_names_how_to_install_it(cli, project, tmp_path):
    call = cli("run", "--app-url", "http://127.0.0.1:9", "--json", env={"MIMETIC_CHROMIUM": str(tmp_path / "no-chromium")})
    error = assert_rejected(call, "MIMETIC_BROWSER_UNAVAILABLE", project)
    assert "apt-get install chromium" in error["message"] and "MIMETIC_CHROMIUM" in error["message"]


def test_invalid_browser_scenario_names_file_and_line(cli, project):
    write(project, "mimetic/scenarios/broken.yaml", "\n".join([
        "schema: mimetic.scenario.v1", "id: broken", "title: Broken", "goal: Click nothing.", "mode: browser",
        "browser:", "  steps:", "    - id: open", "      action: goto", "    - id: click-it", "      action: click", ""]))
    error = assert_rejected(cli("run", "--app-url", "http://127.0.0.1:9", "--json"), "MIMETIC_SCENARIO_INVALID", project)
    assert error["message"].startswith("mimetic/scenarios/broken.yaml:10:")
    assert "click needs a selector" in error["message"]


def test_duplicate_step_ids_are_rejected_with_their_line(cli, project):
    write(project, "mimetic/scenarios/twice.yaml", "\n".join([
        "schema: mimetic.scenario.v1", "id: twice", "title: Twice", "goal: Open twice.", "mode: browser",
        "browser:", "  steps:", "    - id: open", "      action: goto", "    - id: open", "      action: goto", ""]))
    error = assert_rejected(cli("run", "--app-url", "http://127.0.0.1:9", "--json"), "MIMETIC_SCENARIO_INVALID", project)
    assert error["message"].startswith("mimetic/scenarios/twice.yaml:10:") and "'open' is used twice" in error["message"]


def test_network_policy_can_allow_a_named_host(cli, project, tmp_path):
    url = "http://app.internal.test:8080"
    assert_rejected(cli("run", "--app-url", url, "--json"), "MIMETIC_INVALID_APP_URL", project)
    write(project, "mimetic/policies/network.yaml",
          "schema: mimetic.network-policy.v1\nallowedHosts: [localhost, 127.0.0.1, app.internal.test]\n")
    # With the host allowed, validation moves on to the next gate (here: no Chromium), still writing nothing.
    call = cli("run", "--app-url", url, "--json", env={"MIMETIC_CHROMIUM": str(tmp_path / "no-chromium")})
    assert_rejected(call, "MIMETIC_BROWSER_UNAVAILABLE", project)


def test_committed_browser_scenarios_run_in_file_order_with_prefixed_step_ids(project):
    from mimetic.browser.scenarios import plan_proof
    from mimetic.project import Project

    (project / "mimetic" / "scenarios").mkdir(parents=True)
    for source in sorted(SCENARIOS_DIR.glob("*.yaml")):
        shutil.copy(source, project / "mimetic" / "scenarios" / source.name)
    plan = plan_proof(Project(project), "http://127.0.0.1:9/")
    assert [s.id for s in plan.scenarios] == ["add-todo", "complete-filter", "long-title"]
    assert plan.steps[0].id == "add-todo.open" and plan.steps[0].journey == "add-todo"
    assert plan.ref.id == "browser-scenarios" and not plan.builtin


def test_without_a_browser_scenario_the_builtin_proof_is_planned(project):
    from mimetic.browser.scenarios import plan_proof
    from mimetic.project import Project

    write(project, "mimetic/scenarios/first-run-smoke.yaml",
          "schema: mimetic.scenario.v1\nid: first-run-smoke\ntitle: First run\ngoal: Reach the first screen.\n")
    plan = plan_proof(Project(project), "http://127.0.0.1:9/")
    assert plan.builtin and plan.ref.id == "browser-app-surface-smoke" and plan.ref.source == "builtin"
    assert [step.id for step in plan.steps] == ["open", "rendered"]
