"""The local substrate: each lane's bootstrap runs on this machine, in `.mimetic/tmp/oss-meta/<run>/<token>/`.

The bootstrap gets its own session; the app it starts and the nested mimetic commands (the host's
own interpreter, `sys.executable -m mimetic`) run under it, and the nested browser proof is headless
Chromium. `close()` stops every process the lane started and removes the lane root unless `keep`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from mimetic.actors.computer import Computer
from mimetic.bundle.store import atomic_write_bytes, contained
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.env import host_basics
from mimetic.lanes.processes import stop_lane_processes
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project

MARKER_NAME = "MIMETIC_LANE_ROOT"
SCRIPT_NAME = "bootstrap.sh"


def lane_tmp_root(project: Project, run_id: str) -> Path:
    return project.tmp_dir / "oss-meta" / run_id


class LocalSandbox:
    def __init__(self, root: Path, sandbox_id: str, *, keep: bool, python: str, port: int):
        self.id = sandbox_id
        self.root = root
        self._keep = keep
        self._python = python
        self._port = port
        self._process: subprocess.Popen | None = None
        self._nested_run_id: str | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._browser = None  # the actor's Chromium (a launch_chromium context), once it asked for a screen
        self._computer: Computer | None = None

    @property
    def marker(self) -> str:
        return f"{MARKER_NAME}={self.root}"

    def start_bootstrap(self, script: str, env: Mapping[str, str]) -> None:
        script_path = self.root / SCRIPT_NAME
        atomic_write_bytes(script_path, script.encode("utf-8"))
        self._nested_run_id = env.get("MIMETIC_LANE_RUN_ID")
        lane_env = {
            **host_basics(), **env,
            MARKER_NAME: str(self.root), "MIMETIC_LANE_PYTHON": self._python, "MIMETIC_LANE_HOST": "127.0.0.1",
            "MIMETIC_LANE_PORT": str(self._port), "MIMETIC_NO_OPEN": "1", "NPM_CONFIG_UPDATE_NOTIFIER": "false",
        }
        with self._lock:
            if self._closed:
                return
            # The bootstrap writes its own bootstrap.log; its own session keeps terminal Ctrl-C away from it.
            self._process = subprocess.Popen(
                ["bash", str(script_path)], cwd=self.root, env=lane_env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )

    def read_file(self, relative: str) -> bytes | None:
        try:
            return contained(self.root, relative).read_bytes()
        except OSError:
            return None

    def screenshot(self) -> bytes | None:
        """The nested browser proof's desktop screenshot (headless Chromium has no screen of its own)."""
        if not self._nested_run_id:
            return None
        folder = self.root / "repo" / ".mimetic" / "runs" / self._nested_run_id / "screenshots"
        shots = sorted(folder.glob("*.png"), key=lambda p: (p.stem != "desktop", p.name)) if folder.is_dir() else []
        return shots[0].read_bytes() if shots else None

    def stream_url(self) -> str | None:
        return None

    def computer(self) -> Computer | None:
        """A headless Chromium page on the lane's app, for the host-side actor (the app listens on loopback).

        Opened on first use, in the lane's own thread (Playwright's sync API is thread-bound), and closed
        with the lane."""
        if self._computer is None:
            from mimetic.actors.playwright_computer import PlaywrightComputer
            from mimetic.browser.chromium import DESKTOP, find_chromium, launch_chromium

            browser = launch_chromium(find_chromium())
            launched = browser.__enter__()
            self._browser = browser  # from here on close() stops it, even if opening the page fails
            page = launched.new_context(DESKTOP).new_page()
            if url := self._app_url():
                page.goto(url, wait_until="domcontentloaded")
            self._computer = PlaywrightComputer(page)
        return self._computer

    def _app_url(self) -> str | None:
        raw = self.read_file("completion.json")
        try:
            return BootstrapCompletion.model_validate_json(raw).app_url if raw else None
        except ValueError:
            return None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            process = self._process
        if self._browser is not None:
            self._browser.__exit__(None, None, None)
        stop_lane_processes(self.marker, process.pid if process else None)
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        if not self._keep:
            shutil.rmtree(self.root, ignore_errors=True)
            try:
                self.root.parent.rmdir()  # the run's folder, once its last lane is gone
            except OSError:
                pass


class LocalSubstrate:
    name = "local"

    def __init__(self, *, project: Project, run_id: str, keep: bool = False, python: str | None = None):
        self.project = project
        self.run_id = run_id
        self.keep = keep
        self.python = python or sys.executable
        self._ports: set[int] = set()
        self._lock = threading.Lock()

    def missing_requirements(self) -> list[str]:
        return [tool for tool in ("bash", "git") if shutil.which(tool) is None]

    def _free_port(self) -> int:
        """A loopback port no other lane of this run was given, so repeated repos do not collide."""
        with self._lock:
            while True:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    probe.bind(("127.0.0.1", 0))
                    port = probe.getsockname()[1]
                if port not in self._ports:
                    self._ports.add(port)
                    return port

    def launch(self, spec: LaneSpec) -> LocalSandbox:
        root = lane_tmp_root(self.project, self.run_id) / spec.sim_id
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        return LocalSandbox(root.resolve(), spec.sim_id, keep=self.keep, python=self.python, port=self._free_port())

    def kill(self, sandbox_id: str) -> bool:
        """Stop a lane's processes by its token (for cleanup); True when stopped or already gone."""
        root = (lane_tmp_root(self.project, self.run_id) / sandbox_id).resolve()
        stop_lane_processes(f"{MARKER_NAME}={root}", None)
        return True
