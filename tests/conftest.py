"""Fixtures shared by every test area: a temporary project and a CliRunner wrapper."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mimetic.cli import app


@dataclass
class CliCall:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class Cli:
    """Invoke `mimetic` in-process with --cwd pointed at a temporary project."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None, cwd: bool = True) -> CliCall:
        argv = list(args)
        if cwd and "--cwd" not in argv:
            argv += ["--cwd", str(self.cwd)]
        result = self.runner.invoke(app, argv, env=env, catch_exceptions=False)
        return CliCall(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


@pytest.fixture
def cli(project: Path) -> Cli:
    return Cli(project)


@pytest.fixture(autouse=True)
def _no_ambient_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never reach real providers: ambient keys on a developer machine must not change behaviour.
    for name in ("E2B_API_KEY", "OPENAI_API_KEY", "GH_TOKEN", "GITHUB_TOKEN", "GITHUB_PAT", "CODEX_API_KEY",
                 "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "MIMETIC_ACTOR_BASE_URL",
                 "MIMETIC_ACTOR_API_KEY", "MIMETIC_ACTOR_MODEL", "MIMETIC_ACTOR_RATES", "CODEX_ACCESS_TOKEN",
                 "MIMETIC_ENABLE_LOCAL_CODEX_EXEC", "MIMETIC_ENABLE_LOCAL_CODEX_TUI", "MIMETIC_CODEX_ACTOR_COMMAND",
                 "MIMETIC_CODEX_ACTOR_TIMEOUT_MS", "MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MIMETIC_NO_OPEN", "1")
    # A developer's own Codex login (~/.codex/auth.json) is never read by a test.
    monkeypatch.setenv("CODEX_HOME", os.devnull + "-codex-home-absent")


@pytest.fixture(autouse=True)
def _test_local_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    # Registered secret values are process-global: one test's (an env file's `replaced`) must not redact or
    # fail the scan of another test's files, e.g. an Observer page a `mimetic watch` subprocess wrote.
    from mimetic.safety import redact

    monkeypatch.setattr(redact, "_known_values", set(redact._known_values))


@pytest.fixture(autouse=True)
def _no_mimetic_left_running():
    yield
    from reliability.support import stop_started

    stop_started()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


CHROMIUM = os.environ.get("MIMETIC_CHROMIUM", "/usr/bin/chromium")
