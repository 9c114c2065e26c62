"""`mimetic watch`: defaults, upstream's conflicts, labs, detach/json, and an attached server stopped by Ctrl-C."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from fixtures.processes import Background

from mimetic.observer.session import open_in_browser, wants_open


def test_default_watch_writes_a_fresh_four_lane_dry_run_and_renders_it(cli, project):
    result = cli("watch", "--json")
    assert result.exit_code == 0, result.stdout
    data = result.json()
    assert data["schema"] == "mimetic.observer-result.v1" and data["ok"] is True
    assert data["observerUrl"].startswith("file://") and data["opened"] is False and data["serverUrl"] is None
    bundle = json.loads((project / data["bundlePath"]).read_text())
    assert bundle["simCount"] == 4 and bundle["mode"] == "dry-run"
    assert [s["kind"] for s in bundle["streams"]] == ["ui", "terminal", "tui", "codex-ui"]
    assert [s["transport"] for s in bundle["streams"]] == ["polling", "snapshot", "pty", "app-server"]
    labels = [s["kindLabel"] for s in json.loads((project / data["observerDataPath"]).read_text())["streams"]]
    assert labels == ["UI", "CLI", "TUI", "Codex UI"]
    assert (project / data["observerPath"]).is_file()
    assert any("dry-run lanes do not claim product behavior proof" in w for w in data["warnings"])
    assert cli("verify", "--run", "latest", "--json").json()["ok"] is True


def test_watch_run_latest_renders_the_existing_run_without_a_new_one(cli, project):
    first = cli("run", "--dry-run", "--sims", "2", "--json").json()
    data = cli("watch", "--run", "latest", "--no-open", "--json").json()
    assert data["runId"] == first["runId"] and data["streamCount"] == 2
    assert [p.name for p in (project / ".mimetic/runs").iterdir() if p.is_dir()] == [first["runId"]]  # no new run


def test_watch_sims_sizes_the_fresh_run(cli):
    assert cli("watch", "--sims", "7", "--json").json()["streamCount"] == 7


@pytest.mark.parametrize("args", [
    ["first-run", "--lab", "first-run"],
    ["first-run", "--run", "latest"],
    ["--lab", "first-run", "--run", "latest"],
    ["--run", "latest", "--sims", "4"],
    ["--run", "latest", "--run-id", "my-run"],
    ["--count", "3"],
    ["--repos", "a/b"],
    ["--live"],
])
def test_conflicting_options_exit_2_before_anything_is_written(cli, project, args):
    result = cli("watch", *args, "--json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "MIMETIC_WATCH_OPTION_CONFLICT"
    assert not (project / ".mimetic").exists()


@pytest.mark.parametrize(("args", "code"), [
    (["--port", "70000"], "MIMETIC_INVALID_PORT"),
    (["--port", "-1"], "MIMETIC_INVALID_PORT"),
    (["--sims", "0"], "MIMETIC_INVALID_SIM_COUNT"),
    (["--run", "does-not-exist"], "MIMETIC_RUN_NOT_FOUND"),
    (["--run-id", "Not Valid"], "MIMETIC_INVALID_RUN_ID"),
    (["oss-smoke"], "MIMETIC_WATCH_NO_OBSERVER"),
])
def test_bad_input_exits_2_with_its_code(cli, args, code):
    result = cli("watch", *args, "--json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == code


def test_human_errors_go_to_stderr_as_code_and_message(cli):
    result = cli("watch", "--run", "latest", "--sims", "4")
    assert result.exit_code == 2
    assert result.stderr.startswith("MIMETIC_WATCH_OPTION_CONFLICT: ") and result.stdout == ""


def test_watch_refuses_a_run_that_fails_verify(cli, project):
    run = cli("run", "--dry-run", "--json").json()
    (project / run["artifactRoot"] / "review.md").unlink()
    result = cli("watch", "--run", "latest", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_RUN_BUNDLE"


def test_watch_a_synthetic_lab_runs_it_and_carries_its_result(cli, project):
    data = cli("watch", "first-run", "--sims", "2", "--no-open", "--json").json()
    assert data["ok"] is True and data["streamCount"] == 2 and data["runId"].startswith("dryrun-")
    assert data["lab"]["schema"] == "mimetic.run-result.v1" and data["lab"]["lab"] == "first-run"
    assert json.loads((project / data["bundlePath"]).read_text())["lab"]["id"] == "first-run"


def test_watch_the_oss_meta_lab_prints_the_lab_result_with_its_observer_nested(cli, project):
    data = cli("watch", "--lab", "oss", "--dry-run", "--count", "3", "--run-id", "oss-watch", "--json").json()
    assert data["schema"] == "mimetic.oss-meta-lab-result.v1" and data["runId"] == "oss-watch"
    observer = data["observer"]
    assert observer["schema"] == "mimetic.observer-result.v1" and observer["streamCount"] == 3
    assert observer["observerPath"] == ".mimetic/runs/oss-watch/observer/index.html"
    lanes = json.loads((project / observer["observerDataPath"]).read_text())["streams"]
    assert {lane["kindLabel"] for lane in lanes} == {"Browser"}


def test_detach_renders_and_exits_without_serving(cli):
    result = cli("watch", "--detach", "--no-open")
    assert result.exit_code == 0
    assert "mimetic observer rendered" in result.stdout and "watching:" not in result.stdout
    assert "url: file://" in result.stdout


def test_open_rules_follow_upstream():
    assert wants_open(None, json_mode=False) is True
    assert wants_open(False, json_mode=False) is False
    assert wants_open(None, json_mode=True) is False
    assert wants_open(True, json_mode=True) is True


def test_no_browser_is_opened_when_mimetic_no_open_is_set(monkeypatch):
    monkeypatch.setenv("MIMETIC_NO_OPEN", "1")
    monkeypatch.setattr("webbrowser.get", lambda *a: pytest.fail("must not look for a browser"))
    assert open_in_browser("http://127.0.0.1:1/") is False


@pytest.mark.parametrize("lab", [[], ["first-run"]], ids=["synthetic", "lab"])
def test_attached_watch_serves_until_ctrl_c_then_exits_0_with_the_bundle_intact(cli, project, lab):
    watch = Background("watch", *lab, "--no-open", cwd=project)
    try:
        url = watch.wait_for(lambda line: line.startswith("watching: http")).split(" ", 1)[1]
        watch.wait_for(lambda line: line == "watching: press Ctrl-C to stop")
        assert url.startswith("http://127.0.0.1:") and "/observer/index.html?token=" in url
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?")[0], timeout=5)  # the printed URL without its token
        assert refused.value.code == 403
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.headers["Cache-Control"] == "no-store"
            assert b'data-observer-mode="served"' in response.read()
        with urllib.request.urlopen(url.replace("index.html", "observer-data.json"), timeout=5) as response:
            assert len(json.loads(response.read())["streams"]) == 4
        assert watch.interrupt() == 0
    finally:
        watch.kill()
    assert "watch stopped" in watch.lines
    assert any(line.startswith("mimetic observer rendered") for line in watch.lines)
    if lab:
        assert any(line.startswith("serving: http://127.0.0.1:") for line in watch.lines)
    verify = cli("verify", "--run", "latest", "--json")
    assert verify.exit_code == 0 and verify.json()["ok"] is True
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)  # the server is gone


def test_a_lab_that_writes_no_run_stops_the_server_it_was_given(project, monkeypatch):
    from types import SimpleNamespace

    from mimetic.errors import MimeticError
    from mimetic.observer.watch import WatchRequest, run_watch
    from mimetic.project import Project

    served = []
    monkeypatch.setattr("mimetic.labs.dispatch.run_lab",
                        lambda *a, **k: SimpleNamespace(result=None, exit_code=1, store=None))
    with pytest.raises(MimeticError) as error:
        run_watch(Project(project.resolve()), WatchRequest(lab="first-run"), follow=True, on_serving=served.append)
    assert error.value.code == "MIMETIC_WATCH_NO_OBSERVER" and len(served) == 1
    with pytest.raises(OSError):
        urllib.request.urlopen(served[0], timeout=2)  # the server is gone
