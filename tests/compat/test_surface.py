"""The rest of 0.1.5's surface: -h, help, aliases, lab run flags, env-file failures, browser variables,
and the Codex actors that are not built here saying so."""

from __future__ import annotations

import json

import pytest


def test_dash_h_and_help_command_print_a_commands_help(cli):
    for argv in (("-h",), ("lab", "run", "-h"), ("help", "lab", "run")):
        result = cli(*argv, cwd=False)
        assert result.exit_code == 0 and "Usage: mimetic" in result.stdout
    assert "Usage: mimetic lab run" in cli("help", "lab", "run", cwd=False).stdout
    unknown = cli("help", "nope", cwd=False)
    assert unknown.exit_code == 2 and "MIMETIC_UNKNOWN_COMMAND" in unknown.stderr


def test_dash_capital_v_prints_the_version(cli):
    from mimetic import __version__

    assert cli("-V", cwd=False).stdout.strip() == __version__


def test_lab_oss_alias_watches_the_meta_lab_and_smoke_aliases_run_the_clone_smoke(cli, project):
    data = cli("lab", "oss", "--dry-run", "--count", "2", "--run-id", "alias-oss", "--json").json()
    assert data["schema"] == "mimetic.oss-meta-lab-result.v1" and data["runId"] == "alias-oss"
    assert data["observer"]["observerPath"] == ".mimetic/runs/alias-oss/observer/index.html"
    assert (project / data["observer"]["observerPath"]).is_file()
    for argv in (("lab", "oss", "--smoke"), ("lab", "oss-smoke")):
        failed = cli(*argv, "--limit", "abc", "--json")
        assert failed.exit_code == 2
        assert failed.json()["schema"] == "mimetic.oss-lab-result.v1"
        assert failed.json()["error"]["code"] == "MIMETIC_INVALID_OSS_LIMIT"


def test_lab_run_validates_port_and_accepts_detach(cli):
    bad = cli("lab", "run", "oss", "--dry-run", "--port", "99999", "--json")
    assert bad.exit_code == 2 and bad.json()["error"]["code"] == "MIMETIC_INVALID_PORT"
    ok = cli("lab", "run", "oss", "--dry-run", "--count", "1", "--detach", "--port", "0", "--json")
    assert ok.exit_code == 0 and ok.json()["observer"]["opened"] is False


def test_lab_run_open_opens_the_observer_unless_ci_or_no_open(cli, monkeypatch):
    import webbrowser

    opened: list[str] = []

    class Recorder(webbrowser.BackgroundBrowser):
        def open(self, url, new=0, autoraise=True):  # noqa: ARG002 - webbrowser's signature
            opened.append(url)
            return True

    monkeypatch.setattr(webbrowser, "get", lambda *a: Recorder("recorder"))
    monkeypatch.delenv("MIMETIC_NO_OPEN", raising=False)
    monkeypatch.delenv("CI", raising=False)
    data = cli("lab", "run", "oss", "--dry-run", "--count", "1", "--open", "--json").json()
    assert data["observer"]["opened"] is True and opened == [data["observer"]["observerUrl"]]
    monkeypatch.setenv("CI", "true")
    data = cli("lab", "run", "oss", "--dry-run", "--count", "1", "--open", "--json").json()
    assert data["observer"]["opened"] is False and len(opened) == 1


def test_a_bad_env_file_answers_with_the_env_file_result_and_loads_nothing(cli, project, monkeypatch):
    monkeypatch.delenv("FIRST_NAME_SET", raising=False)
    (project / "bad.env").write_text("FIRST_NAME_SET=value-one\nnot an assignment\n")
    result = cli("run", "--dry-run", "--env-file", "bad.env", "--json")
    assert result.exit_code == 2
    data = result.json()
    assert data["schema"] == "mimetic.env-file-result.v1" and data["envFile"] == "bad.env"
    assert data["loaded"] == [] and data["error"]["code"] == "MIMETIC_ENV_FILE_INVALID"
    assert "value-one" not in result.stdout
    import os

    assert "FIRST_NAME_SET" not in os.environ
    assert not (project / ".mimetic").exists()


@pytest.mark.parametrize("argv,env,kind", [
    (("run", "--actor", "codex-exec"), {}, "codex-exec"),
    (("run", "--actor", "codex-tui"), {}, "codex-tui"),
    (("run",), {"MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1"}, "codex-exec"),
    (("run",), {"MIMETIC_ENABLE_LOCAL_CODEX_TUI": "1"}, "codex-tui"),
])
def test_local_codex_actors_run_and_a_missing_codex_is_a_blocked_lane(cli, project, monkeypatch, argv, env, kind):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no codex here (tests/actors/test_codex_actors.py uses fakes)
    result = cli(*argv, "--json", env=env)
    data = result.json()
    assert result.exit_code == 1 and data["verdict"] == "blocked" and data["runId"].startswith(f"{kind}-")
    assert data["error"]["code"] == f"MIMETIC_LOCAL_CODEX_{kind.split('-')[1].upper()}_FAILED"
    assert "'codex' is not on PATH" in data["error"]["message"]
    assert cli("verify", "--run", data["runId"], "--json").json()["ok"]


def test_an_unknown_actor_is_unsupported(cli):
    result = cli("run", "--actor", "robot", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_UNSUPPORTED_ACTOR"


def test_browser_command_is_015s_name_for_the_chromium_setting(monkeypatch, tmp_path):
    from mimetic.browser.chromium import find_chromium

    browser = tmp_path / "my-chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.delenv("MIMETIC_CHROMIUM", raising=False)
    monkeypatch.setenv("MIMETIC_BROWSER_COMMAND", str(browser))
    assert find_chromium() == str(browser)
    monkeypatch.setenv("MIMETIC_CHROMIUM", "/usr/bin/definitely-not-here")
    with pytest.raises(Exception, match="definitely-not-here"):
        find_chromium()


def test_feedback_list_returns_the_written_draft_as_015_does(cli, project):
    cli("run", "--dry-run", "--json")
    cli("feedback", "draft", "--json")
    data = cli("feedback", "list", "--json").json()
    written = json.loads((project / data["draftPath"]).read_text())
    assert data["draft"]["idempotency_key"] == written["idempotency_key"]
