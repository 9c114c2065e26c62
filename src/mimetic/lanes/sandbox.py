"""The bubblewrap sandbox every local lane's bootstrap runs in (see docs/safety.md).

Inside: new user, pid, ipc, uts and cgroup namespaces (the host's processes and their
`/proc/*/environ` are invisible), no capabilities, the host filesystem read-only, and private
tmpfs over `$HOME`, `/root`, `/tmp`, `/var/tmp`, `/run` and the project (its `.env*` files, other
lanes, other runs). Only the lane's own directory is writable. What the lane still needs from
hidden places is bound back read-only: the Python running mimetic (interpreter, venv, site-packages),
the tools on PATH and a `file://` git mirror. `--die-with-parent` ties the whole namespace to the
thread that launched it, and `--new-session` keeps it off the user's terminal. The environment is
what the caller passes (the allowlist of lanes/env.py); bwrap adds nothing from the host.

The network is shared on purpose: installs need the registry and the host reaches the app on
loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

INSTALL_HINT = "apt-get install bubblewrap"
CHECK_TIMEOUT_S = 20
# Host folders no lane sees: the user's home (keys, shell rc, caches), temp dirs, runtime sockets.
HIDDEN_DIRS = ("/root", "/tmp", "/var/tmp", "/run", "/var/run")
# Host files a root-run lane could otherwise read as their owner; shadowed by /dev/null.
HIDDEN_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers")
TOOLS = ("bash", "git", "node", "npm", "npx", "corepack", "pnpm", "yarn", "bun", "timeout")
LANE_HOSTNAME = "mimetic-lane"


def find_bwrap() -> str | None:
    """The bwrap executable: MIMETIC_BWRAP when set, else `bwrap` on PATH."""
    return shutil.which(os.environ.get("MIMETIC_BWRAP") or "bwrap")


def bwrap_problem() -> str | None:
    """Why no lane can be sandboxed on this machine, or None when `bwrap --ro-bind / / true` works."""
    bwrap = find_bwrap()
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed; install it with `{INSTALL_HINT}`."
    # The same namespaces a lane gets, so a machine where this passes can really run a lane.
    command = [bwrap, "--ro-bind", "/", "/", "--unshare-user", "--unshare-pid", "--cap-drop", "ALL", "true"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{bwrap} could not run: {error}"
    if done.returncode != 0:
        detail = " ".join((done.stderr or "").split())[:200] or f"exit {done.returncode}"
        return (f"{bwrap} cannot create a sandbox here ({detail}); user namespaces may be disabled "
                "(sysctl kernel.unprivileged_userns_clone / apparmor_restrict_unprivileged_userns).")
    return None


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _existing(paths: Iterable[str | os.PathLike | None]) -> list[Path]:
    found = []
    for raw in paths:
        if not raw:
            continue
        try:
            path = Path(raw).resolve()
        except (OSError, RuntimeError):
            continue
        if path.exists():
            found.append(path)
    return found


def _prefix(executable: Path) -> Path:
    """An executable's installation prefix (`<prefix>/bin/node` -> `<prefix>`), so its libraries come along."""
    return executable.parent.parent if executable.parent.name == "bin" else executable.parent


def runtime_paths(path_env: str | None) -> list[Path]:
    """Everything the lane must still read when it lives under a hidden folder: mimetic's Python and the tools."""
    python = [sys.prefix, sys.base_prefix, sys.exec_prefix, _prefix(Path(sys.executable).resolve()),
              Path(__file__).resolve().parent.parent, *[entry for entry in sys.path if entry]]
    tools = [_prefix(Path(found).resolve()) for tool in TOOLS if (found := shutil.which(tool, path=path_env))]
    path_dirs = (path_env or "").split(os.pathsep)
    resolver = Path("/etc/resolv.conf")  # often a link into /run (systemd-resolved)
    return _existing([*python, *tools, *path_dirs, resolver])


def sandbox_command(command: Sequence[str], *, bwrap: str, lane_root: Path, home: str | None, hide: Iterable[Path],
                    hide_files: Iterable[Path] = (), readonly: Iterable[Path] = ()) -> list[str]:
    """The bwrap argv that runs `command` inside the lane sandbox, with `lane_root` the one writable folder.

    `hide` are extra folders replaced by an empty tmpfs (the project), `hide_files` extra files shadowed
    by /dev/null (env files), `readonly` what is bound back read-only when a hidden folder covers it.
    """
    lane_root = lane_root.resolve()
    hidden: list[Path] = []
    for folder in _existing([*HIDDEN_DIRS, home, *hide]):
        if folder == Path("/") or _under(folder, lane_root) or any(_under(folder, other) for other in hidden):
            continue  # never hide everything or the lane itself; a covered folder is already hidden
        hidden = [other for other in hidden if not _under(other, folder)] + [folder]
    mounts = set(hidden)
    for folder in _existing([home]):  # $HOME must exist (and be writable) inside, even under a hidden /tmp
        if folder != Path("/") and not _under(folder, lane_root):
            mounts.add(folder)
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/dev/shm", "--proc", "/proc"]
    for folder in sorted(mounts, key=lambda p: (len(p.parts), str(p))):
        args += ["--tmpfs", str(folder)]
    for file in _existing([*HIDDEN_FILES, *hide_files]):
        if file.is_file() and not _under(file, lane_root):
            args += ["--ro-bind", "/dev/null", str(file)]
    # Bound back read-only: only what a hidden folder covers, never a folder that holds a hidden one.
    back = set()
    for path in _existing(readonly):
        covered = any(_under(path, folder) for folder in hidden)
        if covered and not any(_under(folder, path) for folder in hidden) and not _under(lane_root, path):
            back.add(path)
    for path in sorted(back, key=lambda p: (len(p.parts), str(p))):
        if not any(_under(path, other) for other in back if other != path):
            args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(lane_root), str(lane_root), "--chdir", str(lane_root),
             "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--hostname", LANE_HOSTNAME, "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--",
             *command]
    return args
