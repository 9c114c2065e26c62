"""The one lane bootstrap (`bootstrap.sh`, packaged data) and its substrate-independent inputs.

Both substrates run the same script. The runner supplies the inputs below; each substrate adds
where the lane lives and how mimetic is found there (see the script's header for every name).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from mimetic.lanes.env import git_base_url

# Non-secret actor-control flags forwarded into lanes (upstream §4.4).
FORWARDED_FLAGS = (
    "MIMETIC_OSS_META_ACTOR_FIRST", "MIMETIC_OSS_META_ACTOR_MODEL", "MIMETIC_OSS_META_HOST_CODEX_ACTOR",
    "MIMETIC_OSS_META_ACTOR_TIMEOUT_MS", "MIMETIC_OSS_META_REQUIRE_ACTOR",
    # The lane's own budgets (seconds) and a read-only cache of Node releases, when the user sets them.
    "MIMETIC_LANE_INSTALL_TIMEOUT_S", "MIMETIC_LANE_APP_TIMEOUT_S", "MIMETIC_LANE_NODE_CACHE",
    # The setup actor's opt-in, command and wall time (lanes/setup_actor.py); its credential never travels here.
    "MIMETIC_ENABLE_LOCAL_CODEX_EXEC", "MIMETIC_CODEX_ACTOR_COMMAND", "MIMETIC_CODEX_ACTOR_TIMEOUT_MS",
    # 0: every nested step starts its own mimetic process instead of running in the lane server (lanes/server.py).
    "MIMETIC_LANE_SERVER",
)
PRIVATE_TOKEN_NAME = "MIMETIC_GITHUB_TOKEN"  # host-side only: a local lane receives the token as TOKEN_FILE
# An environment variable stays readable in /proc/<pid>/environ of the process it started with (the sandbox's
# first process) whatever the script unsets; a file the bootstrap deletes before any repo code runs does not.
TOKEN_FILE = ".github-token"


def bootstrap_script() -> str:
    return files("mimetic.lanes").joinpath("bootstrap.sh").read_text(encoding="utf-8")


def bootstrap_inputs(*, slug: str, nested_run_id: str, private: bool, token: str | None = None,
                     gates: Path | None = None, gate_index: int = 0) -> dict[str, str]:
    """What every lane's bootstrap is told; the GitHub token only when this lane's repo needs it; the run's
    gate folder when its lanes share this machine (see lanes/gates.py)."""
    inputs = {
        "MIMETIC_LANE_SLUG": slug,
        "MIMETIC_LANE_RUN_ID": nested_run_id,
        "MIMETIC_GIT_BASE_URL": git_base_url(),
        "MIMETIC_LANE_PRIVATE": "1" if private else "0",
    }
    inputs.update({name: os.environ[name] for name in FORWARDED_FLAGS if os.environ.get(name)})
    if gates is not None:
        inputs.update(MIMETIC_LANE_GATES=str(gates), MIMETIC_LANE_GATE_INDEX=str(gate_index))
    if token:
        inputs[PRIVATE_TOKEN_NAME] = token
    return inputs



def write_secret_file(path: Path, text: str) -> None:
    """A secret handed to a lane as a new 0600 file (never through a symlink, never over an existing file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
