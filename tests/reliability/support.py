"""Helpers the reliability tests share: project snapshots and real `python -m mimetic` subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def tree_snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (relative path -> content digest, or "dir")."""
    snapshot: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        snapshot[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot


_started: list[subprocess.Popen] = []


def mimetic_process(*args: str, cwd: Path, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """`python -m mimetic <args> --cwd <cwd>` started in the background (stopped after the test if still running)."""
    full_env = {**os.environ, "MIMETIC_NO_OPEN": "1", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "mimetic", *args, "--cwd", str(cwd)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=full_env, **popen)
    _started.append(process)
    return process


def signal_once_there(process: subprocess.Popen, path: Path, sig: int, *, timeout: float = 120) -> tuple[str, str]:
    """Send `sig` to `process` as soon as `path` exists (how a test knows the run reached a point), then wait
    for the process's output. A hang guard: after 60 s, or once the process ended, the signal goes anyway."""
    deadline = time.monotonic() + 60
    while not path.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(sig)
    return process.communicate(timeout=timeout)


def stop_started() -> None:
    """Stop what a test started and left running (it failed or timed out waiting): SIGTERM, so a lab stops its
    lanes as a user's would, then SIGKILL. A hung test must not leave lanes loading the machine for the next."""
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.terminate()
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def run_mimetic(*args: str, cwd: Path, env: dict[str, str] | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess:
    process = mimetic_process(*args, cwd=cwd, env=env)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def verify_ok(project: Path, run: str, env: dict[str, str] | None = None) -> dict:
    """`mimetic verify --run <run> --json` in a real process; returns its document after asserting ok."""
    done = run_mimetic("verify", "--run", run, "--json", cwd=project, env=env)
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["ok"], (run, data)
    return data
