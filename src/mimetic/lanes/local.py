"""The local substrate: each lane's bootstrap runs on this machine, in `.mimetic/tmp/oss-meta/<run>/<token>/`.

The bootstrap runs inside a bubblewrap sandbox (lanes/sandbox.py) where only the lane root is writable,
unless the user asked for `--unsandboxed`. The app it starts and the nested mimetic commands (the host's
own interpreter, `sys.executable -m mimetic`, started once as the lane server: lanes/server.py) run under
it, and the nested browser proof is headless Chromium. Everything the host reads back goes through lanes/untrusted.py and lanes/claims.py.
`close()` stops every process the lane started and removes the lane root unless `keep`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mimetic.actors.codex_command import COMMAND_ENV
from mimetic.actors.computer import Computer
from mimetic.bundle.store import atomic_write_bytes
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.errors import MimeticError
from mimetic.lanes.bootstrap import PRIVATE_TOKEN_NAME, TOKEN_FILE, write_secret_file
from mimetic.lanes.claims import (
    ClaimCheck, HostLook, check_claim, confine_to_origin, is_png, lane_app_url, look_at_app, loopback_port, same_origin,
)
from mimetic.lanes.env import host_basics
from mimetic.lanes.processes import lane_pids, stop_lane_processes
from mimetic.lanes.sandbox import INSTALL_HINT, bwrap_problem, find_bwrap, runtime_paths, sandbox_command
from mimetic.lanes.setup_actor import CREDENTIALS_FILE, write_credentials
from mimetic.lanes.substrate import LaneSpec
from mimetic.lanes.untrusted import list_lane_dir, read_lane_file
from mimetic.project import Project
from mimetic.safety.redact import compact_error
from mimetic.safety.envfile import loaded_env_files

MARKER_NAME = "MIMETIC_LANE_ROOT"
SCRIPT_NAME = "bootstrap.sh"
READ_LIMIT = 4 * 1024 * 1024  # completion.json, state and logs: a bigger file is read from its tail
SCREENSHOT_LIMIT = 16 * 1024 * 1024
# Package-manager caches live in the lane root: one lane can never poison the cache another lane uses.
# (pnpm keeps its store under XDG_DATA_HOME.)
CACHE_ENV = {"XDG_CACHE_HOME": "cache", "XDG_DATA_HOME": "cache/data", "npm_config_cache": "cache/npm",
             "YARN_CACHE_FOLDER": "cache/yarn", "PIP_CACHE_DIR": "cache/pip", "COREPACK_HOME": "cache/corepack"}


def lane_tmp_root(project: Project, run_id: str) -> Path:
    return project.tmp_dir / "oss-meta" / run_id


class LocalSandbox:
    def __init__(self, root: Path, sandbox_id: str, *, keep: bool, python: str, port: int,
                 bwrap: str | None = None, project_root: Path | None = None):
        self.id = sandbox_id
        self.root = root
        self._keep = keep
        self._python = python
        self._port = port
        self._bwrap = bwrap  # None: --unsandboxed, the bootstrap runs directly on this machine
        self._project_root = project_root
        self._process: subprocess.Popen | None = None
        self._nested_run_id: str | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._browser = None  # the host's own Chromium (a launch_chromium context), once it looked or an actor asked
        self._page = None
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
            **{name: str(self.root / relative) for name, relative in CACHE_ENV.items()},
        }
        command = ["bash", str(script_path)]
        token = lane_env.pop(PRIVATE_TOKEN_NAME, None)
        if token:
            write_secret_file(self.root / TOKEN_FILE, token)
        write_credentials(self.root)  # the setup actor's, under its opt-in only (lanes/setup_actor.py)
        if self._bwrap is not None:
            lane_env["TMPDIR"] = "/tmp"  # the sandbox's private tmpfs
            # bwrap ends the namespace when its first process exits: that process outlives the bootstrap so the
            # app stays up for the host's probe and actor, until close() ends the sandbox.
            held = ["bash", "-c", 'bash "$1"; exec sleep infinity', "mimetic-lane", str(script_path)]
            command = sandbox_command(
                held, bwrap=self._bwrap, lane_root=self.root, home=os.environ.get("HOME"),
                hide=[self._project_root] if self._project_root else [], hide_files=loaded_env_files(),
                readonly=[*runtime_paths(lane_env.get("PATH")), *_mirror_path(lane_env.get("MIMETIC_GIT_BASE_URL")),
                          *_command_path(lane_env.get(COMMAND_ENV)),
                          # the run's turn locks (flock works read-only) and a shared cache of Node releases
                          *filter(None, (lane_env.get("MIMETIC_LANE_GATES"), lane_env.get("MIMETIC_LANE_NODE_CACHE")))])
        with self._lock:
            if self._closed:
                return
            # The bootstrap writes its own bootstrap.log; its own session keeps terminal Ctrl-C away from it.
            # Its environment is exactly lane_env (the allowlist): bwrap passes it on and adds nothing.
            self._process = subprocess.Popen(
                command, cwd=self.root, env=lane_env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )

    def read_file(self, relative: str) -> bytes | None:
        """A lane file read without following symlinks (lanes/untrusted.py); a big one from its tail."""
        return read_lane_file(self.root, relative, limit=READ_LIMIT, oversize="tail")

    def screenshot(self) -> bytes | None:
        """The nested browser proof's desktop screenshot (headless Chromium has no screen of its own).

        Only a real PNG reached without a symlink counts: a lane's `desktop.png -> /proc/self/environ` is no
        screenshot."""
        if not self._nested_run_id:
            return None
        folder = f"repo/.mimetic/runs/{self._nested_run_id}/screenshots"
        names = sorted((name for name, kind in list_lane_dir(self.root, folder) if kind == "file" and name.endswith(".png")),
                       key=lambda name: (name != "desktop.png", name))
        for name in names:
            shot = read_lane_file(self.root, f"{folder}/{name}", limit=SCREENSHOT_LIMIT)
            if is_png(shot):
                return shot
        return None

    def audit(self, completion: BootstrapCompletion) -> ClaimCheck:
        """The host's own check of the lane's record (lanes/claims.py), with its own screenshot of the app."""
        return check_claim(completion, port=self._port, screenshot=self.screenshot(), look=self._look)

    def _look(self) -> HostLook:
        from playwright.sync_api import Error as PlaywrightError

        try:
            return look_at_app(self._app_page(), self._port)
        except (MimeticError, PlaywrightError) as error:  # the host cannot confirm what the lane claims
            reason = error.message if isinstance(error, MimeticError) else compact_error(str(error), 200)
            return HostLook(problem=f"the host could not open its own browser ({reason})")

    def _app_page(self):
        """The host's own headless Chromium page, confined to the lane's app origin.

        Opened once, in the lane's own thread (Playwright's sync API is thread-bound), shared by the host's
        look and the actor, and closed with the lane."""
        if self._page is None:
            from mimetic.browser.chromium import DESKTOP, find_chromium, launch_chromium

            browser = launch_chromium(find_chromium())
            launched = browser.__enter__()
            self._browser = browser  # from here on close() stops it, even if opening the page fails
            context = launched.new_context(DESKTOP)
            confine_to_origin(context, lane_app_url(self._port))  # the lane's app is the only place this browser goes
            self._page = context.new_page()
        return self._page

    def stream_url(self) -> str | None:
        return None

    def computer(self) -> Computer | None:
        """The host's page on the lane's app, for the host-side actor (the app listens on loopback)."""
        if self._computer is None:
            from mimetic.actors.playwright_computer import PlaywrightComputer

            page = self._app_page()
            app = lane_app_url(self._port)
            if self._app_claimed() and not same_origin(page.url, app):
                page.goto(app, wait_until="domcontentloaded")
            self._computer = PlaywrightComputer(page)
        return self._computer

    def _app_claimed(self) -> bool:
        """Whether the lane's completion names its app at the port the host gave it (the URL itself is never used)."""
        raw = self.read_file("completion.json")
        try:
            return bool(raw) and loopback_port(BootstrapCompletion.model_validate_json(raw).app_url) == self._port
        except ValueError:
            return False

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            process = self._process
        if self._browser is not None:
            self._browser.__exit__(None, None, None)
        stop_lane_processes(self.marker, process.pid if process else None)
        # A lane that died before its bootstrap took them leaves no credential behind, even with --keep.
        for secret in (CREDENTIALS_FILE, TOKEN_FILE):
            (self.root / secret).unlink(missing_ok=True)
        if process is not None:
            # Killing bwrap ends its pid namespace, so a process that dropped the marker (`env -i setsid ...`) dies too.
            if self._bwrap is not None and process.poll() is None:
                process.kill()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not self._keep:
            shutil.rmtree(self.root, ignore_errors=True)
            try:
                self.root.parent.rmdir()  # the run's folder, once its last lane is gone
            except OSError:
                pass


def _mirror_path(base_url: str | None) -> list[Path]:
    """A `file://` git mirror the lane clones from (tests, air-gapped mirrors): bound read-only into the sandbox."""
    parts = urlsplit(base_url or "")
    return [Path(unquote(parts.path))] if parts.scheme == "file" and parts.path else []


def _command_path(command: str | None) -> list[Path]:
    """The folder of MIMETIC_CODEX_ACTOR_COMMAND's executable: bound read-only so the setup actor can start it."""
    import shlex

    try:
        argv = shlex.split(command or "")
    except ValueError:
        return []
    found = shutil.which(argv[0]) if argv else None
    return [Path(found).resolve().parent] if found else []


def require_sandbox() -> str:
    """The bwrap executable local lanes run in, or MIMETIC_SANDBOX_UNAVAILABLE (exit 2) naming the fix."""
    problem = bwrap_problem()
    if problem is not None:
        raise MimeticError(
            "MIMETIC_SANDBOX_UNAVAILABLE",
            f"Local lanes run repository code nobody here has read, so they run inside a bubblewrap sandbox: {problem} "
            f"Install it (`{INSTALL_HINT}`), use --substrate e2b, or pass --unsandboxed to run the repositories' code "
            "directly on this machine (unsafe: it can read your files and keys).")
    return find_bwrap() or "bwrap"


class LocalSubstrate:
    name = "local"

    def __init__(self, *, project: Project, run_id: str, keep: bool = False, python: str | None = None,
                 sandboxed: bool = True):
        self.project = project
        self.run_id = run_id
        self.keep = keep
        self.python = python or sys.executable
        self.bwrap = require_sandbox() if sandboxed else None
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
        return LocalSandbox(root.resolve(), spec.sim_id, keep=self.keep, python=self.python, port=self._free_port(),
                            bwrap=self.bwrap, project_root=self.project.root)

    def kill(self, sandbox_id: str) -> bool:
        """Stop a lane's processes by its token (for cleanup); True when stopped or already gone."""
        stop_local_lane(self.project, self.run_id, sandbox_id)
        return True


def stop_local_lane(project: Project, run_id: str, sandbox_id: str) -> bool:
    """Stop whatever still runs of a local lane (its bwrap with it); True when something was still alive."""
    root = (lane_tmp_root(project, run_id) / sandbox_id).resolve()
    marker = f"{MARKER_NAME}={root}"
    if not lane_pids(marker, None):
        return False
    stop_lane_processes(marker, None)
    return True
