"""The OSS meta-lab's setup actor: a coding agent adopts mimetic inside a local lane's clone (issue 16, acceptance 3).

End to end: a fixture repo served through MIMETIC_GIT_BASE_URL=file://…, `lab run oss --substrate local`,
a bubblewrap lane, and a fake `codex` on PATH (visible inside the sandbox) that writes personas, scenarios
and a coverage map for the fixture todo app. The study-quality rating then judges what it wrote.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from fixtures.fake_codex import SETUP_AGENT, install
from fixtures.git_repos import ENV_DUMP_APP, make_mirror

from conftest import CHROMIUM
from mimetic.lanes.setup_actor import CREDENTIALS_FILE, NOT_OPTED_IN, run_setup_actor, write_credentials

CANARY = "canary-codex-key-7f3e91c2d4"

LIVE = (
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs node and npm"),
    pytest.mark.skipif(importlib.util.find_spec("mimetic.browser.proof") is None, reason="needs the browser proof"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
)


def live(test):
    """A real local lane: node, npm, the browser proof and Chromium."""
    for mark in LIVE:
        test = mark(test)
    return test


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path)
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", mirror.base_url)
    return mirror


@pytest.fixture
def fake_codex(tmp_path, monkeypatch):
    folder = tmp_path / "codex-bin"
    install(folder, "codex", SETUP_AGENT)
    monkeypatch.setenv("PATH", f"{folder}:{__import__('os').environ['PATH']}")
    return folder


def _quality(project: Path, run_id: str) -> dict:
    return json.loads((project / f".mimetic/runs/{run_id}/setup-quality/oss-01-desktop-setup-quality.json").read_text())


@live
def test_opted_in_setup_actor_writes_app_specific_personas_and_the_lane_rates_them_useful(cli, project, mirror,
                                                                                         fake_codex, monkeypatch):
    monkeypatch.setenv("MIMETIC_ENABLE_LOCAL_CODEX_EXEC", "1")
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--count", "1",
                 "--run-id", "adopt", "--json")
    data = result.json()
    assert result.exit_code == 0, data
    lane = data["sandboxes"][0]
    assert lane["completionStatus"] == "passed"
    assert lane["setupActorStatus"] == "passed"
    assert lane["setupActorReason"].endswith("mimetic/ now holds 2 persona(s) and 2 scenario(s).")
    quality = _quality(project, "adopt")
    study = quality["studyQuality"]
    assert study["rating"] == "useful", study
    assert study["signals"]["personaCustomized"] and study["signals"]["scenarioCustomized"]
    assert study["signals"]["coverageCustomized"]
    # The rating looked at what the agent wrote: its files are in the clone's mimetic/ (previews of the lane's tree).
    previews = {p["path"]: p["text"] for p in quality["previews"]}
    assert "Busy parent planner" in previews["mimetic/personas/busy-parent-planner.yaml"]
    assert "mimetic/personas/synthetic-new-user.yaml" not in previews
    assert quality["mimetic"]["configPresent"] and quality["checks"][0]["detail"] == "mimetic/config.yaml is present."
    bundle = json.loads((project / ".mimetic/runs/adopt/run.json").read_text())
    completion = bundle["streams"][0]["completion"]
    assert completion["actorStatus"] == "passed"
    assert completion["actorLastMessageTail"].startswith("Wrote personas busy-parent-planner and keyboard-power-user")
    assert "credential: present codex-home" in completion["actorLogTail"]  # the key reached the agent (under opt-in)
    events = [e["type"] for e in bundle["events"]]
    assert "oss-meta.setup-actor.passed" in events
    # The credential reached the agent (it said so) and nothing else: no file of the run holds its value.
    leaks = [p for p in (project / ".mimetic").rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert leaks == []
    assert cli("verify", "--run", "adopt", "--json").json()["ok"]


@live
def test_without_the_opt_in_the_agent_never_runs_and_the_lane_says_why_in_json_and_the_observer(cli, project, mirror,
                                                                                             fake_codex, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)  # a key on the host is not an opt-in
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--count", "1",
                 "--run-id", "no-opt-in", "--keep", "--json")
    data = result.json()
    lane = data["sandboxes"][0]
    assert lane["setupActorStatus"] == "not_started"
    assert lane["setupActorReason"] == NOT_OPTED_IN
    assert _quality(project, "no-opt-in")["studyQuality"]["rating"] == "ceremonial"
    root = project / ".mimetic/tmp/oss-meta/no-opt-in/oss-01"
    assert not (root / "actor.log").exists()  # the fake agent never started
    assert not (root / CREDENTIALS_FILE).exists()
    assert sorted(p.name for p in (root / "repo/mimetic/personas").iterdir()) == [
        "skeptical-power-user.yaml", "synthetic-new-user.yaml"]
    page = (project / ".mimetic/runs/no-opt-in/observer/index.html").read_text()
    assert "MIMETIC_ENABLE_LOCAL_CODEX_EXEC=1 was not set" in page
    assert cli("cleanup", "--run", "no-opt-in", "--json").exit_code == 0


@live
def test_the_credential_is_gone_before_the_app_starts_so_an_env_dumping_app_never_sees_it(cli, project, mirror,
                                                                                          fake_codex, monkeypatch):
    mirror.add("fixture/env-dump", ENV_DUMP_APP)
    monkeypatch.setenv("MIMETIC_ENABLE_LOCAL_CODEX_EXEC", "1")
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/env-dump", "--count", "1",
                 "--run-id", "dump", "--keep", "--json")
    assert result.json()["sandboxes"][0]["setupActorStatus"] == "passed"
    root = project / ".mimetic/tmp/oss-meta/dump/oss-01"
    assert "MIMETIC_LANE_ROOT" in (root / "app.log").read_text()  # the app really dumped its environment
    assert not (root / CREDENTIALS_FILE).exists() and not (root / "codex-home").exists()
    # The step that took the credential ran as its own process (gone with it), not in the lane's long-lived
    # mimetic server, which ran the steps before and after it while the app was up.
    served = [line for line in (root / "bootstrap.log").read_text().splitlines() if line.startswith("[mimetic-lane server]")]
    assert "[mimetic-lane server] init: exit 0" in served and "[mimetic-lane server] lane probe: exit 0" in served
    assert not any("setup-actor" in line for line in served)
    assert [p for p in project.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()] == []
    assert cli("cleanup", "--run", "dump", "--json").exit_code == 0


def test_credentials_are_written_only_under_the_opt_in_and_taken_once(tmp_path):
    root = tmp_path / "lane"
    root.mkdir()
    assert write_credentials(root, {"OPENAI_API_KEY": CANARY}) is False
    assert not (root / CREDENTIALS_FILE).exists()
    assert write_credentials(root, {"OPENAI_API_KEY": CANARY, "MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1"}) is True
    assert (root / CREDENTIALS_FILE).stat().st_mode & 0o777 == 0o600
    (root / "repo").mkdir()
    # No mimetic/ in the clone: the step refuses, but the credential file is taken and deleted all the same.
    status = run_setup_actor(root, {"MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1", "PATH": "/usr/bin:/bin"})
    assert status == "blocked" and not (root / CREDENTIALS_FILE).exists()
    assert "actor_reason=The setup actor did not run: the clone has no mimetic/ from init." in (root / "lane-state.txt").read_text()


def test_a_missing_codex_is_blocked_with_the_fix_named(tmp_path):
    root = tmp_path / "lane"
    (root / "repo/mimetic").mkdir(parents=True)
    status = run_setup_actor(root, {"MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1", "PATH": str(tmp_path / "empty")})
    assert status == "blocked"
    state = (root / "lane-state.txt").read_text()
    assert "'codex' is not on the lane's PATH" in state and "MIMETIC_CODEX_ACTOR_COMMAND" in state


def test_a_credential_file_swapped_for_a_symlink_is_not_followed(tmp_path):
    root = tmp_path / "lane"
    (root / "repo/mimetic").mkdir(parents=True)
    secret = tmp_path / "host-secret.json"
    secret.write_text(json.dumps({"apiKey": CANARY}))
    (root / CREDENTIALS_FILE).symlink_to(secret)
    agent = install(tmp_path / "bin", "agent", '#!/bin/sh\necho "key=${OPENAI_API_KEY:-none}"\n')
    run_setup_actor(root, {"MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1", "MIMETIC_CODEX_ACTOR_COMMAND": str(agent),
                           "PATH": "/usr/bin:/bin"})
    assert "key=none" in (root / "actor.log").read_text()
    assert secret.exists() and not (root / CREDENTIALS_FILE).exists()


def test_codex_without_a_credential_is_blocked_instead_of_failing_to_log_in(tmp_path):
    root = tmp_path / "lane"
    (root / "repo/mimetic").mkdir(parents=True)
    journal = tmp_path / "started"
    install(tmp_path / "bin", "codex", f"#!/bin/sh\ntouch {journal}\n")
    status = run_setup_actor(root, {"MIMETIC_ENABLE_LOCAL_CODEX_EXEC": "1", "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"})
    assert status == "blocked" and not journal.exists()
    assert "no Codex credential reached this lane" in (root / "lane-state.txt").read_text()


def test_a_kept_lane_that_never_reached_its_setup_step_keeps_no_credential(tmp_path, monkeypatch):
    from mimetic.lanes.local import LocalSandbox

    monkeypatch.setenv("MIMETIC_ENABLE_LOCAL_CODEX_EXEC", "1")
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    root = tmp_path / "oss-meta" / "run" / "oss-01"
    root.mkdir(parents=True)
    sandbox = LocalSandbox(root, "oss-01", keep=True, python="python3", port=0)  # unsandboxed: bash runs it here
    sandbox.start_bootstrap("exit 0\n", {})  # a bootstrap that ends before any step (its trap never runs here)
    assert (root / CREDENTIALS_FILE).exists()
    sandbox.close()
    assert root.exists() and not (root / CREDENTIALS_FILE).exists()
