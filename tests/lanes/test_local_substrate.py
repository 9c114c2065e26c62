"""The local substrate end to end on fixture git repos (MIMETIC_GIT_BASE_URL=file://<mirror>).

Each lane really clones, runs `mimetic init`, installs, starts the app, proves it in headless
Chromium (nested `mimetic run --app-url`), verifies and renders the nested Observer.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.git_repos import BLANK_APP, ENV_DUMP_APP, SLOW_APP, TODO_APP, TODO_SERVER, make_mirror
from fixtures.processes import lane_processes

from conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs node and npm"),
    pytest.mark.skipif(importlib.util.find_spec("mimetic.browser.proof") is None,
                       reason="the nested browser proof (mimetic run --app-url) has not landed yet"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path)
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", mirror.base_url)
    return mirror


def _run_dir(project: Path, run_id: str) -> Path:
    return project / ".mimetic" / "runs" / run_id


def test_two_lanes_clone_init_start_prove_and_verify_the_fixture_app(cli, project, mirror):
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--count", "2",
                 "--run-id", "local-e2e", "--json")
    data = result.json()
    assert result.exit_code == 0, data
    assert data["verdict"] == "pass" and data["ok"] and data["substrate"] == "local"
    assert [s["completionStatus"] for s in data["sandboxes"]] == ["passed", "passed"]
    assert [s["appStatus"] for s in data["sandboxes"]] == ["running", "running"]
    run = _run_dir(project, "local-e2e")
    bundle = json.loads((run / "run.json").read_text())
    # A repo the preflight read anonymously is public: it is named, not redacted.
    assert data["repos"] == ["fixture/todo"] and data["redactRepos"] is False and data["redacted"] == []
    assert data["repoLabels"] == {"fixture/todo": "fixture/todo"}
    for stream in bundle["streams"]:
        # The nested proof survives the lane (no --keep): its result, review, traces, both viewports' screenshots,
        # the log tails, and a nested Observer rendered by the host (never a [lane-root] placeholder).
        kept = run / "lanes" / stream["id"]
        assert json.loads((kept / "nested/result.json").read_text())["verdict"] == "pass"
        assert (kept / "nested/review.md").is_file() and (kept / "nested/observer/index.html").is_file()
        assert {p.name for p in (kept / "nested/screenshots").iterdir()} >= {"desktop.png", "mobile.png"}
        assert (kept / "logs/install-log-tail.txt").is_file() and (kept / "logs/app-log-tail.txt").is_file()
        assert stream["ui"]["nestedObserverPath"] == f"../lanes/{stream['id']}/nested/observer/index.html"
        assert stream["ui"]["proofSteps"] == stream["ui"]["proofStepsPassed"] == 4
        completion = stream["completion"]
        assert completion["status"] == "passed" and completion["nestedVerifyPassed"] is True
        assert completion["appUrl"].startswith("http://") and completion["visualStatus"] == "visible"
        quality = json.loads((run / f"setup-quality/{stream['id']}-setup-quality.json").read_text())
        assert quality["schema"] == "mimetic.setup-quality.v1" and quality["status"] == "passed"
        assert all(check["ok"] for check in quality["checks"])
        assert quality["studyQuality"]["rating"] == "ceremonial"  # init only: honest, not "useful"
        assert (run / f"screenshots/{stream['id']}.png").stat().st_size > 0
    receipts = [json.loads(line) for line in (run / "sandbox-receipts.ndjson").read_text().splitlines()]
    assert sorted((r["sandboxId"], r["substrate"]) for r in receipts) == [("oss-01", "local"), ("oss-02", "local")]
    assert not (project / ".mimetic/tmp/oss-meta/local-e2e").exists()
    assert not lane_processes(project)
    assert cli("verify", "--run", "local-e2e", "--json").json()["ok"]


def test_blocked_and_failed_lanes_leave_others_running_and_no_secret_reaches_any_file(cli, project, mirror, monkeypatch):
    canaries = {"E2B_API_KEY": "canary-e2b-5f1d9a77c3", "GH_TOKEN": "canary-gh-0b6e2c41d8",
                "MY_APP_SECRET": "canary-envfile-93ad7e12"}
    monkeypatch.setenv("E2B_API_KEY", canaries["E2B_API_KEY"])
    monkeypatch.setenv("GH_TOKEN", canaries["GH_TOKEN"])
    (project / "lane.env").write_text(f"MY_APP_SECRET={canaries['MY_APP_SECRET']}\n")
    mirror.add("fixture/env-dump", ENV_DUMP_APP)

    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/env-dump,fixture/no-script,fixture/missing",
                 "--count", "3", "--env-file", "lane.env", "--keep", "--run-id", "mixed", "--json")
    data = result.json()
    assert result.exit_code == 1 and data["verdict"] == "fail"
    passed, blocked, failed = data["sandboxes"]
    assert passed["completionStatus"] == "passed"
    assert blocked["completionStatus"] == "blocked" and blocked["appStatus"] == "blocked"
    assert blocked["completionReason"] == "Nothing to start: package.json has none of the dev/start/serve/preview scripts."
    assert failed["completionStatus"] == "failed"
    assert failed["completionReason"].startswith("Repo access preflight failed for repo-03")
    lane_app_log = project / ".mimetic/tmp/oss-meta/mixed/oss-01/app.log"
    assert "MIMETIC_LANE_ROOT" in lane_app_log.read_text()  # the app really dumped its environment
    # Every nested step ran in the lane's one mimetic server (lanes/server.py), none fell back to its own process.
    steps = [line for line in (project / ".mimetic/tmp/oss-meta/mixed/oss-01/bootstrap.log").read_text().splitlines()
             if line.startswith("[mimetic-lane server]")]
    assert steps == [f"[mimetic-lane server] {step}: exit 0" for step in (
        "--version", "init", "lane setup-actor", "lane plan-app", "lane probe", "run", "verify", "watch", "lane complete")]

    leaks = [(path, name) for path in (project / ".mimetic").rglob("*") if path.is_file()
             for name, value in canaries.items() if value.encode() in path.read_bytes()]
    assert leaks == []
    assert not any(value in result.stdout for value in canaries.values())
    assert not lane_processes(project)
    assert cli("verify", "--run", "mixed", "--json").json()["ok"]


# Reads every process's environment it can see (the sandbox's first process included) and the lane folder's
# files, and prints them into its app log before serving the todo page.
PROC_SNOOP_APP = {
    "package.json": ENV_DUMP_APP["package.json"],
    "server.js": ('const fs = require("fs"); const seen = [];\n'
                  'for (const pid of fs.readdirSync("/proc")) if (/^\\d+$/.test(pid)) {\n'
                  '  try { seen.push(fs.readFileSync(`/proc/${pid}/environ`, "latin1")); } catch (e) {} }\n'
                  'const root = process.env.MIMETIC_LANE_ROOT;\n'
                  'for (const f of fs.readdirSync(root)) { try { seen.push(fs.readFileSync(`${root}/${f}`, "latin1")); }'
                  ' catch (e) {} }\n'
                  'console.log("SNOOP " + seen.join("|"));\n' + TODO_SERVER),
}


def test_a_private_repos_github_token_never_reaches_the_lanes_processes_or_files(cli, project, mirror, monkeypatch):
    from mimetic.lanes import preflight

    token = "canary-private-gh-7c21e5a9d4"
    monkeypatch.setenv("GH_TOKEN", token)
    # The preflight says the repo needed the token, so the lane is handed it for its clone.
    monkeypatch.setattr(preflight, "check_repo_access", lambda slugs, **_: {
        slug: preflight.RepoAccess(slug, True, with_token=True) for slug in slugs})
    mirror.add("acme/secret-app", PROC_SNOOP_APP)
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "acme/secret-app", "--count", "1",
                 "--keep", "--run-id", "private", "--json")
    assert result.json()["sandboxes"][0]["completionStatus"] == "passed", result.stdout
    app_log = (project / ".mimetic/tmp/oss-meta/private/oss-01/app.log").read_text(errors="replace")
    assert "SNOOP " in app_log and "MIMETIC_LANE_ROOT=" in app_log  # it really read the environments it could see
    leaks = [path for path in (project / ".mimetic").rglob("*") if path.is_file() and token.encode() in path.read_bytes()]
    assert leaks == []


def test_ctrl_c_mid_run_exits_130_stops_every_lane_process_and_leaves_a_verifiable_bundle(project, mirror):
    mirror.add("fixture/slow", SLOW_APP)
    env = {**os.environ, "MIMETIC_GIT_BASE_URL": mirror.base_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "mimetic", "lab", "run", "oss", "--substrate", "local", "--repos", "fixture/slow",
         "--count", "4", "--concurrency", "2", "--run-id", "sigint", "--json", "--cwd", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    run_json = _run_dir(project, "sigint") / "run.json"
    deadline = time.monotonic() + 60
    waiting = []
    while time.monotonic() < deadline and len(waiting) < 2:
        try:
            sims = json.loads(run_json.read_text())["simulations"]
        except (OSError, ValueError):
            sims = []
        waiting = [s for s in sims if s["currentStep"] == "Waiting for the app on loopback."]
        time.sleep(0.2)
    assert len(waiting) == 2, "two lanes should be waiting for the slow app before Ctrl-C"

    process.send_signal(signal.SIGINT)
    # The lanes were waiting for an app that would take far longer to answer: ending at all means Ctrl-C cut
    # the wait (the bound is a hang guard, not a speed check).
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    data = json.loads(out)
    assert data["verdict"] == "interrupted"
    bundle = json.loads(run_json.read_text())
    assert [s["status"] for s in bundle["simulations"]] == ["interrupted"] * 4
    reasons = sorted(s["completion"]["reason"] for s in bundle["streams"])
    assert reasons[:2] == ["Cancelled before launch (interrupted)."] * 2
    assert all(r.startswith("Interrupted (Ctrl-C) during: Waiting for the app on loopback") for r in reasons[2:])
    assert not lane_processes(project)
    assert not (project / ".mimetic/tmp/oss-meta/sigint").exists()
    verify = subprocess.run([sys.executable, "-m", "mimetic", "verify", "--run", "sigint", "--json", "--cwd", str(project)],
                            capture_output=True, text=True, env=env)
    assert json.loads(verify.stdout)["ok"], verify.stdout


def test_a_failed_proof_keeps_its_failing_line_screenshots_and_log_tails_and_its_draft_quotes_the_line(cli, project, mirror):
    mirror.add("fixture/blank", BLANK_APP)
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/blank", "--run-id", "blank", "--json")
    data = result.json()
    assert result.exit_code == 1 and data["verdict"] == "fail" and data["count"] == 1
    lane = data["sandboxes"][0]
    assert lane["completionStatus"] == "failed"
    # The reason is the nested proof's own failure line, not a generic "did not pass".
    assert "The nested browser proof did not pass: desktop failed at step rendered" in lane["completionReason"]
    assert "visible body text or a visible interactive element" in lane["completionReason"]
    assert not (project / ".mimetic/tmp/oss-meta/blank").exists()  # no --keep: the lane folder is gone
    kept = _run_dir(project, "blank") / "lanes" / "oss-01-desktop"
    assert (kept / "failure.txt").read_text().strip() == lane["completionReason"]
    shots = {p.name for p in (kept / "nested/screenshots").iterdir()}
    assert {"desktop-rendered.png", "mobile-rendered.png"} <= shots
    assert "blank app starting" in (kept / "logs/app-log-tail.txt").read_text()
    assert "step: proof" in (kept / "logs/bootstrap-log-tail.txt").read_text()
    nested = json.loads((kept / "nested/result.json").read_text())
    assert nested["error"]["code"] == "MIMETIC_BROWSER_PROOF_FAILED"
    for viewport in ("desktop", "mobile"):
        trace = json.loads((kept / f"nested/traces/{viewport}.json").read_text())
        assert trace["status"] == "failed"
    bundle = json.loads((_run_dir(project, "blank") / "run.json").read_text())
    # Known gaps say what happened: the proof ran in the lane and did not pass.
    assert "The nested --app-url browser proof ran in 1 of 1 lane(s) and passed in 0." in bundle["review"]["gaps"]
    ui = bundle["streams"][0]["ui"]
    assert (ui["proofStepsPassed"], ui["proofSteps"]) == (2, 4)  # open passed, rendered failed, in both viewports
    assert ui["screenshotUrl"] == "../screenshots/oss-01-desktop.png"
    assert cli("verify", "--run", "blank", "--json").json()["ok"]
    # The feedback draft on that bundle names the repo, quotes the failing line, and points at kept evidence.
    drafted = cli("feedback", "draft", "--run", "blank", "--json").json()
    assert drafted["ok"], drafted
    draft = drafted["draft"]
    assert "fixture/blank" in draft["summary"]
    assert "on desktop: rendered expected 'visible body text or a visible interactive element'" in draft["actual"]
    assert draft["actor"] != "openai-cua"  # no actor ran in this lane
    evidence = [item["path"] for item in draft["evidence"]]
    assert "lanes/oss-01-desktop/failure.txt" in evidence
    assert all(not path.startswith(("/", ".mimetic")) for path in evidence)
    assert all((_run_dir(project, "blank") / path).is_file() for path in evidence)


def test_a_clone_failure_carries_gits_own_error_line(cli, project, mirror):
    bare = mirror.add("fixture/incomplete", TODO_APP)
    blob = subprocess.run(["git", "--git-dir", str(bare), "rev-parse", "HEAD:README.md"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (bare / "objects" / blob[:2] / blob[2:]).unlink()  # an incomplete mirror: the ref is readable, a blob is not
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/incomplete", "--run-id", "torn",
                 "--json")
    lane = result.json()["sandboxes"][0]
    assert lane["completionStatus"] == "failed"
    reason = lane["completionReason"]
    assert reason.startswith("Clone of fixture/incomplete failed: ") and len(reason) > 40
    assert "token" not in reason  # the cause is git's, not a missing token
    kept = _run_dir(project, "torn") / "lanes" / "oss-01-desktop"
    assert (kept / "failure.txt").read_text().strip() == reason
    assert (kept / "logs/clone-log-tail.txt").is_file()


def test_unsandboxed_runs_a_lane_where_bubblewrap_is_missing_and_says_so_only_by_flag(cli, project, mirror, monkeypatch):
    monkeypatch.setenv("MIMETIC_BWRAP", str(project / "no-bwrap-here"))
    refused = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--count", "1", "--json")
    assert refused.exit_code == 2 and refused.json()["error"]["code"] == "MIMETIC_SANDBOX_UNAVAILABLE"
    result = cli("lab", "run", "oss", "--substrate", "local", "--unsandboxed", "--repos", "fixture/todo", "--count", "1",
                 "--run-id", "unsandboxed", "--json")
    data = result.json()
    assert result.exit_code == 0 and [s["completionStatus"] for s in data["sandboxes"]] == ["passed"], data
    assert lane_processes(project) == []
