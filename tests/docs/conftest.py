"""The docs generator, loaded from scripts/ (not a package) once for the docs tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def gen_cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def command_paths(gen_cli_docs: ModuleType) -> list[tuple[str, ...]]:
    """Every visible command path of the live app, e.g. ("lab", "run"); () is `mimetic` itself."""
    return gen_cli_docs.command_paths()
