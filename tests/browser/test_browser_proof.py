"""`mimetic run --app-url` against the todo fixture app in real headless Chromium.

One fixture server per variant per module; each Chromium run is a few seconds, so runs are shared
between tests where they prove different things about the same bundle.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, Cli
from fixtures.loopback import free_port
from fixtures.todo_app import SCENARIOS_DIR, TRUNCATE_AT, serve_todo_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}"),
]

# A short budget keeps failing expectations quick (they wait a tenth of it, at least 0.5 s); it still has to
# cover three chained scenarios (14 steps) per viewport on a busy machine.
FAST = ("--timeout-ms", "20000")


@pytest.fixture(scope="module")
def good_app():
    with serve_todo_app("good") as url:
        yield url


@pytest.fixture(scope="module")
def defective_app():
    with serve_todo_app("defective") as url:
        yield url


def new_project(root: Path, *scenarios: str) -> Cli:
    root.mkdir(parents=True)
    if scenarios:
        folder = root / "mimetic" / "scenarios"
        folder.mkdir(parents=True)
        for name in scenarios:
            shutil.copy(SCENARIOS_DIR / f"{name}.yaml", folder / f"{name}.yaml")
    return Cli(root)


def run_dir(project: Path, result: dict) -> Path:
    return project / result["artifactRoot"]


def todos(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/todos", timeout=5) as response:
        return json.loads(response.read())


def steps_by_id(trace: dict) -> dict[str, dict]:
    return {step["id"]: step for step in trace["steps"]}


def failed_assertion(step: dict) -> dict:
    return next(a for a in step["assertions"] if a["status"] == "failed")


@pytest.fixture(scope="module")
def builtin_good_run(tmp_path_factory, good_app):
    """The built-in proof, both viewports, against the good app (no committed scenarios)."""
    cli = new_project(tmp_path_factory.mktemp("builtin") / "project")
    # A private temp root proves the throwaway browser profile is created outside the run and removed.
    # It is short on purpose: Chromium's singleton socket lives under it and socket paths are capped.
    temp_root = Path(tempfile.mkdtemp(prefix="bp-", dir="/tmp"))
    saved, tempfile.tempdir = tempfile.tempdir, str(temp_root)
    try:
        call = cli("run", "--app-url", good_app, "--json")
    finally:
        tempfile.tempdir = saved
    yield cli, call, temp_root
    shutil.rmtree(temp_root, ignore_errors=True)


def test_builtin_proof_passes_in_desktop_and_mobile_and_verifies(builtin_good_run):
    cli, call, _ = builtin_good_run
    assert call.exit_code == 0, call.stdout + call.stderr
    result = call.json()
    assert result["ok"] is True and result["verdict"] == "pass" and result["mode"] == "live"
    assert result["runId"].startswith("browser-") and result["simCount"] == 2
    bundle = json.loads((run_dir(cli.cwd, result) / "run.json").read_text())
    streams = {s["id"]: s for s in bundle["streams"]}
    assert set(streams) == {"browser-desktop-stream", "browser-mobile-stream"}
    desktop, mobile = streams["browser-desktop-stream"], streams["browser-mobile-stream"]
    assert {s["kind"] for s in streams.values()} == {"browser"}
    assert (desktop["viewport"]["width"], desktop["viewport"]["height"]) == (1440, 960)
    assert (mobile["viewport"]["width"], mobile["viewport"]["height"], mobile["viewport"]["isMobile"]) == (390, 844, True)
    assert mobile["embed"] == {"kind": "screenshot", "url": "../screenshots/mobile.png", "title": mobile["label"]}
    assert mobile["ui"]["screenshotUrl"] == "../screenshots/mobile.png"
    assert {a["kind"] for a in mobile["artifacts"]} == {"bundle", "review", "events", "screenshot", "trace"}
    assert [s["id"] for s in bundle["simulations"]] == ["browser-desktop", "browser-mobile"]
    assert bundle["review"]["verdict"] == "pass"
    assert cli("verify", "--json").exit_code == 0


def test_each_viewport_leaves_step_screenshots_and_a_trace(builtin_good_run):
    cli, call, _ = builtin_good_run
    root = run_dir(cli.cwd, call.json())
    for surface, width in (("desktop", 1440), ("mobile", 390)):
        trace = json.loads((root / "traces" / f"{surface}.json").read_text())
        assert trace["schema"] == "mimetic.browser-surface-trace.v1"
        assert trace["status"] == "passed" and trace["httpStatus"] == 200
        assert trace["viewport"]["width"] == width
        assert [(s["id"], s["status"]) for s in trace["steps"]] == [("open", "passed"), ("rendered", "passed")]
        for step in trace["steps"]:
            assert step["screenshotPath"] == f"screenshots/{surface}-{step['id']}.png"
            assert (root / step["screenshotPath"]).read_bytes().startswith(b"\x89PNG")
        assert (root / "screenshots" / f"{surface}.png").stat().st_size > 0


def test_run_dir_holds_no_profile_cookies_or_absolute_temp_paths(builtin_good_run):
    cli, call, temp_root = builtin_good_run
    root = run_dir(cli.cwd, call.json())
    checks = {c["name"]: c for c in cli("verify", "--json").json()["checks"]}
    assert checks["public-safety scan"]["ok"], checks["public-safety scan"]["message"]
    names = {part for path in root.rglob("*") for part in path.relative_to(root).parts}
    assert not names & {"Cookies", "Default", "Local Storage", "Preferences", "profiles"}
    texts = [p.read_text() for p in root.rglob("*") if p.is_file() and p.suffix != ".png"]
    assert not any(str(temp_root) in text or "/tmp/" in text for text in texts)
    assert list(temp_root.iterdir()) == [], "the throwaway browser profile was not removed"


def test_verify_fails_naming_a_deleted_screenshot(builtin_good_run, tmp_path):
    cli, call, _ = builtin_good_run
    copy = Cli(tmp_path / "copy")
    shutil.copytree(cli.cwd, copy.cwd)
    (run_dir(copy.cwd, call.json()) / "screenshots" / "mobile.png").unlink()
    verify = copy("verify", "--json")
    assert verify.exit_code == 2
    evidence = next(c for c in verify.json()["checks"] if c["name"] == "local evidence artifacts exist")
    assert not evidence["ok"] and "screenshots/mobile.png" in evidence["message"]


def test_verify_fails_naming_a_deleted_trace(builtin_good_run, tmp_path):
    cli, call, _ = builtin_good_run
    copy = Cli(tmp_path / "copy")
    shutil.copytree(cli.cwd, copy.cwd)
    (run_dir(copy.cwd, call.json()) / "traces" / "desktop.json").unlink()
    evidence = next(c for c in copy("verify", "--json").json()["checks"] if c["name"] == "local evidence artifacts exist")
    assert not evidence["ok"] and "traces/desktop.json" in evidence["message"]


def test_add_todo_scenario_passes_on_the_good_app_and_really_adds_it(tmp_path, good_app):
    before = sum(t["title"] == "Buy oat milk" for t in todos(good_app))
    cli = new_project(tmp_path / "project", "add-todo")
    call = cli("run", "--app-url", good_app, "--sims", "1", "--json", *FAST)
    assert call.exit_code == 0, call.stdout + call.stderr
    result = call.json()
    trace = json.loads((run_dir(cli.cwd, result) / "traces" / "desktop.json").read_text())
    assert trace["scenarioId"] == "add-todo"
    assert [s["status"] for s in trace["steps"]] == ["passed"] * 4
    assert sum(t["title"] == "Buy oat milk" for t in todos(good_app)) == before + 1


def test_add_todo_scenario_fails_on_the_dead_add_button_naming_step_expected_and_actual(tmp_path, defective_app):
    cli = new_project(tmp_path / "project", "add-todo")
    call = cli("run", "--app-url", defective_app, "--json", *FAST)
    assert call.exit_code == 1, call.stdout + call.stderr
    result = call.json()
    assert result["ok"] is False and result["verdict"] == "fail"
    assert result["error"]["code"] == "MIMETIC_BROWSER_PROOF_FAILED" and "add" in result["error"]["message"]
    root = run_dir(cli.cwd, result)
    for surface in ("desktop", "mobile"):
        steps = steps_by_id(json.loads((root / "traces" / f"{surface}.json").read_text()))
        assert steps["add"]["status"] == "failed"
        assertion = failed_assertion(steps["add"])
        assert assertion["kind"] == "stateChanged"
        assert assertion["expected"] == "the page's state changes"
        assert "unchanged" in assertion["actual"]
        assert steps["see-todo"]["status"] == "skipped" and "add" in steps["see-todo"]["reason"]
    review = (root / "review.md").read_text()
    assert "Verdict: fail" in review and "`add` (Click Add): failed" in review
    assert not any(t["title"] == "Buy oat milk" for t in todos(defective_app))
    assert cli("verify", "--json").exit_code == 0


def test_every_planted_defect_is_caught_and_named_in_one_run(tmp_path, defective_app):
    cli = new_project(tmp_path / "project", "add-todo", "complete-filter", "long-title")
    call = cli("run", "--app-url", defective_app, "--sims", "1", "--json", *FAST)
    assert call.exit_code == 1 and call.json()["verdict"] == "fail"
    steps = steps_by_id(json.loads((run_dir(cli.cwd, call.json()) / "traces" / "desktop.json").read_text()))
    failed = {step_id for step_id, step in steps.items() if step["status"] == "failed"}
    assert failed == {"add-todo.add", "complete-filter.see-completed", "long-title.see-full-title"}
    # Dead button: clicking Add changed nothing.
    assert failed_assertion(steps["add-todo.add"])["kind"] == "stateChanged"
    # Swapped filters: the completed todo is missing under Completed.
    swapped = failed_assertion(steps["complete-filter.see-completed"])
    assert swapped["expected"] == '"Water the plants" in #todo-list'
    # Silent truncation: the list shows only the first 30 characters.
    title = "Renew the library card before the end of the month"
    truncated = failed_assertion(steps["long-title.see-full-title"])
    assert truncated["expected"] == f'"{title}" in #todo-list'
    assert title[:TRUNCATE_AT].strip() in truncated["actual"] and title not in truncated["actual"]
    assert title[:TRUNCATE_AT] in [t["title"] for t in todos(defective_app)]


def test_defect_scenarios_pass_on_the_good_app_in_both_viewports(tmp_path, good_app):
    cli = new_project(tmp_path / "project", "add-todo", "complete-filter", "long-title")
    # Every step passes here, so a short budget saves nothing; 14 steps on a loaded machine need room.
    call = cli("run", "--app-url", good_app, "--json", "--timeout-ms", "120000")
    assert call.exit_code == 0, call.stdout
    root = run_dir(cli.cwd, call.json())
    for surface in ("desktop", "mobile"):
        trace = json.loads((root / "traces" / f"{surface}.json").read_text())
        assert trace["status"] == "passed" and len(trace["steps"]) == 14
        assert all(step["status"] == "passed" for step in trace["steps"])



def test_stopped_app_is_blocked_with_a_clear_reason(cli):
    url = f"http://127.0.0.1:{free_port()}"
    call = cli("run", "--app-url", url, "--json")
    assert call.exit_code == 1
    assert "Traceback" not in call.stdout + call.stderr
    result = call.json()
    assert result["verdict"] == "blocked" and result["error"]["code"] == "MIMETIC_BROWSER_PROOF_BLOCKED"
    bundle = json.loads((run_dir(cli.cwd, result) / "run.json").read_text())
    for stream in bundle["streams"]:
        assert stream["status"] == "blocked"
        assert "connection refused" in stream["completion"]["reason"]
        assert stream["completion"]["appStatus"] == "blocked"
    assert bundle["review"]["verdict"] == "blocked"
    assert cli("verify", "--json").exit_code == 0


def test_app_answering_http_500_is_blocked_not_failed(cli):
    with serve_todo_app("error") as url:
        call = cli("run", "--app-url", url, "--sims", "1", "--json")
    assert call.exit_code == 1 and call.json()["verdict"] == "blocked"
    trace = json.loads((run_dir(cli.cwd, call.json()) / "traces" / "desktop.json").read_text())
    assert trace["httpStatus"] == 500 and "HTTP 500" in trace["reason"]
    assert [s["status"] for s in trace["steps"]] == ["blocked", "skipped"]


def test_failed_requests_and_console_errors_are_recorded_in_the_trace(cli, good_app):
    call = cli("run", "--app-url", f"{good_app}/no-such-page", "--sims", "1", "--json")
    # A 404 page still renders text and answers below 500: the proof passes but records the failure.
    assert call.exit_code == 0, call.stdout
    trace = json.loads((run_dir(cli.cwd, call.json()) / "traces" / "desktop.json").read_text())
    assert trace["httpStatus"] == 404
    assert any("/no-such-page -> HTTP 404" in entry for entry in trace["failedRequests"])
    assert any("404" in entry for entry in trace["consoleErrors"])


def test_a_spent_time_budget_makes_the_run_timed_out(cli, good_app):
    call = cli("run", "--app-url", good_app, "--sims", "1", "--timeout-ms", "1", "--json")
    assert call.exit_code == 1 and call.json()["verdict"] == "timed_out"
    trace = json.loads((run_dir(cli.cwd, call.json()) / "traces" / "desktop.json").read_text())
    assert [s["status"] for s in trace["steps"]] == ["skipped", "skipped"]
    assert "1 ms budget" in trace["reason"]
    assert cli("verify", "--json").exit_code == 0
