"""Repo-access preflight: `git ls-remote` each slug before any lane launches (upstream §4.2 step 4).

Anonymous first, in an isolated git environment (no global/system config, no prompts, no
credential helpers); then, if a GitHub token is set, through a temporary askpass helper that reads
the token from git's environment (the helper file holds no secret and is deleted at once).
A slug that cannot be read fails only its own lanes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mimetic.bundle.store import atomic_write_bytes
from mimetic.lanes.env import GITHUB_TOKEN_NAMES, anonymous_git_env
from mimetic.lanes.pool import fan_out
from mimetic.safety.redact import compact_error
from mimetic.safety.slugs import clone_url

DEFAULT_TIMEOUT_S = 45.0
ASKPASS = b"""#!/bin/sh
case "$1" in Username*) echo x-access-token ;; *) printf '%s\\n' "$MIMETIC_GITHUB_TOKEN_RUNTIME" ;; esac
"""


@dataclass(frozen=True)
class RepoAccess:
    slug: str
    ok: bool
    with_token: bool = False
    reason: str = ""


def _git_env(askpass: Path | None = None, token: str | None = None) -> dict[str, str]:
    env = anonymous_git_env()
    if askpass and token:
        env.update(GIT_ASKPASS=str(askpass), MIMETIC_GITHUB_TOKEN_RUNTIME=token)
    return env


def _ls_remote(url: str, env: dict[str, str], timeout_s: float) -> tuple[bool, str]:
    try:
        done = subprocess.run(["git", "-c", "credential.helper=", "ls-remote", "--exit-code", url, "HEAD"],
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout_s:g}s"
    except OSError as exc:
        return False, compact_error(exc)
    if done.returncode == 0:
        return True, ""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith(("fatal:", "remote:", "error:"))), None)
    detail = first or f"git ls-remote exited {done.returncode}"
    path = url.removeprefix("file://")
    return False, compact_error(detail.replace(url, "<repo url>").replace(path, "<repo url>"), 160)


def check_slug(slug: str, *, base_url: str, token: str | None, timeout_s: float, tmp_dir: Path) -> RepoAccess:
    url = clone_url(slug, base_url)
    ok, detail = _ls_remote(url, _git_env(), timeout_s)
    if ok:
        return RepoAccess(slug, True)
    if not token:
        names = "/".join(GITHUB_TOKEN_NAMES)
        return RepoAccess(slug, False, reason=f"Repo access preflight failed for {slug}: git ls-remote could not read it "
                                              f"anonymously ({detail}) and no GitHub token ({names}) is set.")
    helper_dir = tmp_dir / f"repo-access-{secrets.token_hex(4)}"
    askpass = helper_dir / "askpass.sh"
    try:
        atomic_write_bytes(askpass, ASKPASS)
        askpass.chmod(0o700)
        ok, detail = _ls_remote(url, _git_env(askpass, token), timeout_s)
    finally:
        shutil.rmtree(helper_dir, ignore_errors=True)
    if ok:
        return RepoAccess(slug, True, with_token=True)
    return RepoAccess(slug, False, with_token=True,
                      reason=f"Repo access preflight failed for {slug}: git ls-remote could not read it anonymously "
                             f"or with the GitHub token ({detail}).")


def preflight_timeout_s() -> float:
    raw = os.environ.get("MIMETIC_OSS_META_REPO_PREFLIGHT_TIMEOUT_MS")
    try:
        return max(1.0, int(raw) / 1000) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        return DEFAULT_TIMEOUT_S


def check_repo_access(slugs: list[str], *, base_url: str, token: str | None, tmp_dir: Path) -> dict[str, RepoAccess]:
    """One result per distinct slug, checked in parallel."""
    unique = list(dict.fromkeys(slugs))
    timeout_s = preflight_timeout_s()
    outcome = fan_out(
        unique, lambda slug, _stop: check_slug(slug, base_url=base_url, token=token, timeout_s=timeout_s, tmp_dir=tmp_dir),
        concurrency=min(8, max(1, len(unique))),
        on_error=lambda slug, exc: RepoAccess(slug, False, reason=f"Repo access preflight failed for {slug}: "
                                                                  f"{compact_error(exc, 160)}"),
        on_cancel=lambda slug: RepoAccess(slug, False, reason="Repo access preflight was interrupted."),
    )
    if outcome.interrupted:
        raise KeyboardInterrupt
    return {access.slug: access for access in outcome.results}
