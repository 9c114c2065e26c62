"""The bubblewrap sandbox of local lanes, exercised with the real bwrap: what a lane can see, write and outlive."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mimetic.lanes.sandbox import bwrap_problem, find_bwrap, runtime_paths, sandbox_command

pytestmark = pytest.mark.skipif(bwrap_problem() is not None, reason=f"bubblewrap unusable: {bwrap_problem()}")

PROBE = r"""
set -u
out="$LANE/report.txt"
: >"$out"
say() { printf '%s\n' "$*" >>"$out"; }
[ -e "$HOME_SECRET" ] && say "home-secret-visible" || say "home-secret-hidden"
[ -s "$ENV_FILE" ] && say "env-file-readable" || say "env-file-shadowed"
[ -e "$PROJECT_ENV" ] && say "project-env-visible" || say "project-env-hidden"
echo x >"$HOME/.bashrc" 2>/dev/null && say "home-writable-private" || say "home-not-writable"
echo x >"$PY_HOME/written" 2>/dev/null && say "outside-written" || say "outside-readonly"
echo x >/usr/local/written 2>/dev/null && say "usr-written" || say "usr-readonly"
say "pids=$(ls /proc | grep -c '^[0-9]')"
cat /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n' | grep -q "$CANARY_HEAD$CANARY_TAIL" && say "canary-seen" || say "canary-unseen"
say "hostname=$(cat /proc/sys/kernel/hostname)"
"$PY" -c "import mimetic; print('mimetic-importable')" >>"$out" 2>&1
git --version >/dev/null && say "git-runs"
"""


def run_probe(tmp_path: Path, monkeypatch) -> list[str]:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh/id_ed25519").write_text("PRIVATE KEY")
    project = tmp_path / "project"
    lane = project / ".mimetic/tmp/oss-meta/run/oss-01"
    lane.mkdir(parents=True)
    (project / ".env.local").write_text("OPENAI_API_KEY=sk-canary")
    env_file = tmp_path / "keys" / "lab.env"  # outside every hidden folder but a loaded env file
    env_file.parent.mkdir()
    env_file.write_text("GH_TOKEN=canary")
    canary = "sandbox-canary-1c9f"
    monkeypatch.setenv("MIMETIC_SANDBOX_TEST_CANARY", canary)  # in the host's (and this test's) environment
    script = lane / "probe.sh"
    script.write_text(PROBE)
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANE": str(lane), "HOME_SECRET": str(home / ".ssh/id_ed25519"),
           "ENV_FILE": str(env_file), "PROJECT_ENV": str(project / ".env.local"), "CANARY_HEAD": canary[:8], "CANARY_TAIL": canary[8:], "PY": sys.executable, "PY_HOME": sys.prefix}
    command = sandbox_command(["bash", str(script)], bwrap=find_bwrap(), lane_root=lane, home=str(home), hide=[project],
                              hide_files=[env_file], readonly=runtime_paths(env["PATH"]))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return (lane / "report.txt").read_text().split("\n")


def test_a_lane_sees_no_home_no_project_secrets_no_env_file_and_no_host_process(tmp_path, monkeypatch):
    report = run_probe(tmp_path, monkeypatch)
    assert "home-secret-hidden" in report and "project-env-hidden" in report and "env-file-shadowed" in report
    assert "canary-unseen" in report  # the host's /proc/*/environ is out of reach (new pid namespace)
    assert "hostname=mimetic-lane" in report
    pids = int(next(line for line in report if line.startswith("pids=")).split("=")[1])
    assert pids < 10  # only the sandbox's own few processes
    assert "mimetic-importable" in report and "git-runs" in report  # the host's Python and tools still run


def test_only_the_lane_root_and_a_private_home_are_writable(tmp_path, monkeypatch):
    report = run_probe(tmp_path, monkeypatch)
    assert "outside-readonly" in report and "usr-readonly" in report
    assert "home-writable-private" in report
    assert not (tmp_path / "home/.bashrc").exists()  # the write went to the sandbox's tmpfs, not the real home
    assert not (Path(sys.prefix) / "written").exists()


def test_the_lane_dies_with_the_process_that_started_it(tmp_path):
    lane = tmp_path / "lane"
    lane.mkdir()
    pidfile = lane / "daemon.pid"
    inner = ["bash", "-c", f"setsid sleep 317 & echo $! > {pidfile}; sleep 317"]
    command = sandbox_command(inner, bwrap=find_bwrap(), lane_root=lane, home=None, hide=[])
    # A parent that starts the sandbox (whose daemon detaches with setsid), waits for it, then is SIGKILLed.
    launcher = (f"import os, signal, subprocess, time\n"
                f"subprocess.Popen({command!r}, env={{'PATH': os.environ['PATH']}})\n"
                f"while not (os.path.exists({str(pidfile)!r}) and open({str(pidfile)!r}).read().strip()):\n"
                f"    time.sleep(0.05)\n"
                f"print('started', flush=True)\n"
                f"os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "started", done.stderr
    deadline = time.monotonic() + 5
    while (alive := _sleepers("sleep\x00317\x00")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive == []


def _sleepers(cmdline: str) -> list[str]:
    return [entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit() and _cmdline(entry) == cmdline]


def _cmdline(entry: Path) -> str:
    try:
        return (entry / "cmdline").read_text(errors="replace")
    except OSError:
        return ""


def test_the_check_names_the_fix_when_bwrap_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("MIMETIC_BWRAP", str(tmp_path / "missing"))
    assert "apt-get install bubblewrap" in bwrap_problem()
    assert shutil.which("bwrap") is not None  # the real one is still there for the other tests


def test_local_lanes_without_bubblewrap_refuse_to_run_repository_code(cli, project, monkeypatch):
    monkeypatch.setenv("MIMETIC_BWRAP", str(project / "no-bwrap-here"))
    call = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--run-id", "refused", "--json")
    error = call.json()["error"]
    assert call.exit_code == 2 and error["code"] == "MIMETIC_SANDBOX_UNAVAILABLE"
    assert "apt-get install bubblewrap" in error["message"] and "--unsandboxed" in error["message"]
    assert not (project / ".mimetic/runs/refused").exists()  # refused before anything was written or cloned
    human = cli("lab", "run", "oss", "--substrate", "local", "--repos", "fixture/todo", "--run-id", "refused")
    assert human.exit_code == 2 and "apt-get install bubblewrap" in human.stderr and "Traceback" not in human.stderr
