"""`mimetic run --actor codex-exec|codex-tui`: 0.1.5's local Codex actors, with fake `codex` executables.

The fakes are real processes started the way mimetic starts Codex (argv, cwd, env, stdin, a pseudo-terminal
for the TUI through `script`); only the model behind them is faked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures.fake_codex import install

from conftest import CHROMIUM

SECRET = "sk-" + "codexfake" * 4

# Prints what a real `codex exec --json` would: events, a finding, a stray key and a local path.
EXEC_AGENT = f"""#!/usr/bin/env bash
echo '{{"type":"thread.started"}}'
echo "cwd=$PWD args=$*"
echo "Observed friction: the README never says which port the app uses. {SECRET}"
"""


@pytest.fixture
def codex_bin(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return folder


@pytest.fixture
def initialised(cli, project):
    assert cli("init", "--yes", "--json").exit_code == 0
    return project


def _run(project: Path, result: dict) -> Path:
    return project / result["artifactRoot"]


def test_codex_exec_fans_out_lanes_with_distinct_focuses_and_redacted_transcripts(cli, initialised, codex_bin):
    install(codex_bin, "codex", EXEC_AGENT)
    result = cli("run", "--actor", "codex-exec", "--sims", "3", "--json")
    data = result.json()
    assert result.exit_code == 0, data
    assert data["schema"] == "mimetic.run-result.v1" and data["mode"] == "live" and data["verdict"] == "pass"
    run = _run(initialised, data)
    bundle = json.loads((run / "run.json").read_text())
    assert [s["id"] for s in bundle["streams"]] == [f"sim-0{i}-codex-exec" for i in (1, 2, 3)]
    assert [s["personaId"] for s in bundle["simulations"]] == [
        "codex-exec-install-readability", "codex-exec-public-safety-trust", "codex-exec-observer-evidence"]
    for stream in bundle["streams"]:
        trace = json.loads((run / f"traces/{stream['id']}.json").read_text())
        assert trace["schema"] == "mimetic.local-codex-exec-actor.v1" and trace["status"] == "passed"
        assert trace["commandName"] == "codex" and trace["exitCode"] == 0 and len(trace["promptDigest"]) == 64
        transcript = (run / trace["transcriptPath"]).read_text()
        # The default argv is 0.1.5's: codex exec --json, read-only, in this project.
        assert "args=exec --json --skip-git-repo-check --ephemeral -C [target-cwd] --sandbox read-only" in transcript
        assert SECRET not in transcript and "[REDACTED_SECRET]" in transcript
        report = json.loads((run / f"actors/{stream['id']}.json").read_text())
        assert report["kind"] == "codex-exec" and report["status"] == "passed"
        assert "Observed friction" in stream["terminal"]["tail"]
    assert cli("verify", "--run", data["runId"], "--json").json()["ok"]


def test_the_opt_in_variable_alone_runs_the_exec_actor(cli, initialised, codex_bin):
    install(codex_bin, "codex", EXEC_AGENT)
    data = cli("run", "--json", env={"MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1"}).json()
    assert data["ok"] and data["runId"].startswith("codex-exec-")
    trace = json.loads((_run(initialised, data) / "actor.json").read_text())  # one lane: 0.1.5's actor.json
    assert trace["transcriptPath"] == "transcripts/codex-exec-sanitized.jsonl"


def test_max_concurrency_one_runs_the_lanes_one_after_another(cli, initialised, codex_bin, tmp_path):
    journal = tmp_path / "journal"
    install(codex_bin, "codex", f'#!/bin/sh\necho "start $$" >> {journal}\necho working\necho "end $$" >> {journal}\n')
    data = cli("run", "--actor", "codex-exec", "--sims", "4", "--json",
               env={"MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY": "1"}).json()
    assert data["ok"]
    lines = journal.read_text().split()
    # start/end pairs never interleave: each lane ended before the next one started.
    assert [lines[i] for i in range(0, len(lines), 2)] == ["start", "end"] * 4
    assert all(lines[i + 1] == lines[i + 3] for i in range(0, len(lines), 4))


def test_dry_run_wins_over_a_codex_actor_as_in_015(cli, initialised, codex_bin, tmp_path):
    journal = tmp_path / "started"
    install(codex_bin, "codex", f"#!/bin/sh\ntouch {journal}\n")
    data = cli("run", "--actor", "codex-exec", "--dry-run", "--json").json()
    assert data["ok"] and data["mode"] == "dry-run" and data["verdict"] == "contract_proof_only"
    assert not journal.exists()


def test_a_failing_actor_fails_the_run_with_its_error_code(cli, initialised, codex_bin):
    install(codex_bin, "codex", "#!/bin/sh\necho 'cannot log in'\nexit 3\n")
    result = cli("run", "--actor", "codex-exec", "--json")
    data = result.json()
    assert result.exit_code == 1 and data["verdict"] == "fail"
    assert data["error"]["code"] == "MIMETIC_LOCAL_CODEX_EXEC_FAILED"
    assert "actor process exited with code 3" in data["error"]["message"]


def test_an_actor_past_its_timeout_is_stopped_and_timed_out(cli, initialised, codex_bin):
    install(codex_bin, "codex", "#!/bin/sh\necho thinking\nexec sleep 600\n")
    result = cli("run", "--actor", "codex-exec", "--json", env={"MIMETIC_CODEX_ACTOR_TIMEOUT_MS": "500"})
    data = result.json()
    assert result.exit_code == 1 and data["verdict"] == "timed_out"
    trace = json.loads((_run(initialised, data) / "actor.json").read_text())
    assert trace["status"] == "timed_out" and trace["timeoutMs"] == 500 and trace["signal"] == "SIGTERM"


def test_a_missing_codex_blocks_the_lane_and_names_the_fix(cli, initialised, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    data = cli("run", "--actor", "codex-exec", "--json").json()
    assert data["verdict"] == "blocked" and data["error"]["code"] == "MIMETIC_LOCAL_CODEX_EXEC_FAILED"
    assert "'codex' is not on PATH" in data["error"]["message"]


def test_the_actor_command_variable_replaces_codex(cli, initialised, tmp_path):
    agent = install(tmp_path / "elsewhere", "my-agent", "#!/bin/sh\necho \"mine: $1\"\n")
    data = cli("run", "--actor", "codex-exec", "--json",
               env={"MIMETIC_CODEX_ACTOR_COMMAND": f"{agent} --flag"}).json()
    run = _run(initialised, data)
    assert json.loads((run / "actor.json").read_text())["commandName"] == "my-agent"
    assert "mine: --flag" in (run / "transcripts/codex-exec-sanitized.jsonl").read_text()


@pytest.mark.parametrize(("args", "env", "code"), [
    (["--actor", "codex-exec", "--timeout-ms", "600001"], {}, "MIMETIC_INVALID_TIMEOUT"),
    (["--actor", "codex-exec"], {"MIMETIC_CODEX_ACTOR_TIMEOUT_MS": "soon"}, "MIMETIC_INVALID_TIMEOUT"),
    (["--actor", "codex-exec"], {"MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY": "0"}, "MIMETIC_INVALID_ACTOR_CONCURRENCY"),
    (["--actor", "codex-tui", "--sims", "2"], {}, "MIMETIC_ACTOR_FANOUT_UNIMPLEMENTED"),
    (["--actor", "codex-exec"], {"MIMETIC_CODEX_ACTOR_COMMAND": "'unclosed"}, "MIMETIC_INVALID_ACTOR_COMMAND"),
])
def test_bad_actor_settings_exit_2_and_write_nothing(cli, initialised, args, env, code):
    result = cli("run", *args, "--json", env=env)
    assert result.exit_code == 2 and result.json()["error"]["code"] == code
    assert not (initialised / ".mimetic/runs").exists() or not any((initialised / ".mimetic/runs").iterdir())


# A TUI that waits for the terminal's cursor-position answer before drawing, echoes the format with a
# wrong nonce (an echoed prompt), then gives its verdict with the run's nonce and would stay open forever.
TUI_AGENT = r"""#!/usr/bin/env bash
printf '\033[6n'
IFS= read -r -s -d R answer
printf '\033[2Jterminal answered: %s\n' "${answer#*[}"
echo "MIMETIC_ACTOR_VERDICT=failed MIMETIC_ACTOR_NONCE=not-this-run"
echo "Observed: the onboarding copy is clear."
echo "MIMETIC_ACTOR_VERDICT=passed MIMETIC_ACTOR_NONCE=$MIMETIC_ACTOR_VERDICT_NONCE"
exec sleep 600
"""


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script (a pseudo-terminal)")
def test_codex_tui_answers_the_terminal_ends_on_its_nonce_verdict_and_strips_control_sequences(cli, initialised, codex_bin):
    install(codex_bin, "codex", TUI_AGENT)
    result = cli("run", "--actor", "codex-tui", "--json", env={"MIMETIC_SKIP_CODEX_TRUST_PREFLIGHT": "1"})
    data = result.json()
    assert result.exit_code == 0, data
    run = _run(initialised, data)
    trace = json.loads((run / "actor.json").read_text())
    assert trace["schema"] == "mimetic.local-codex-tui-actor.v1" and trace["status"] == "passed"
    transcript = (run / "transcripts/codex-tui-sanitized.txt").read_text()
    assert "terminal answered: 24;120" in transcript and "\x1b" not in transcript
    assert f"MIMETIC_ACTOR_NONCE={trace['verdictNonce']}" in transcript


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script (a pseudo-terminal)")
def test_codex_tui_is_blocked_before_launch_when_codex_does_not_trust_the_project(cli, initialised, codex_bin, tmp_path,
                                                                                monkeypatch):
    journal = tmp_path / "started"
    install(codex_bin, "codex", f"#!/bin/sh\ntouch {journal}\n")
    subprocess.run(["git", "init", "-q", str(initialised)], check=True)
    home = tmp_path / "codex-home"
    home.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(home))
    data = cli("run", "--actor", "codex-tui", "--json").json()
    assert data["verdict"] == "blocked" and data["error"]["code"] == "MIMETIC_LOCAL_CODEX_TUI_FAILED"
    assert "codex --no-alt-screen -C" in data["error"]["message"] and not journal.exists()
    (home / "config.toml").write_text(f'[projects."{initialised.resolve()}"]\ntrust_level = "trusted"\n')
    assert cli("run", "--actor", "codex-tui", "--json").json()["ok"] and journal.exists()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_app_url_with_codex_exec_runs_the_browser_proof_then_a_codex_lane_on_the_running_app(cli, initialised, codex_bin):
    from fixtures.todo_app import serve_todo_app

    install(codex_bin, "codex", '#!/bin/sh\nfor a; do last="$a"; done\necho "brief: $last"\n')
    with serve_todo_app("good") as url:
        result = cli("run", "--app-url", url, "--actor", "codex-exec", "--json")
    data = result.json()
    assert result.exit_code == 0, data
    assert [s["surface"] for s in data["surfaces"]] == ["desktop", "mobile"]  # 0.1.5: the --app-url proof runs
    assert data["simCount"] == 3
    run = _run(initialised, data)
    bundle = json.loads((run / "run.json").read_text())
    codex = bundle["streams"][-1]
    assert codex["id"] == "sim-03-codex-exec" and codex["status"] == "passed" and codex["kind"] == "terminal"
    assert f"The app is running at {url}" in codex["terminal"]["tail"]
    assert cli("verify", "--run", data["runId"], "--json").json()["ok"]
