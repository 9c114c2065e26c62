"""The starter source plane `init` scaffolds into `mimetic/`, shipped as package data."""

from __future__ import annotations

from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent / "starter"
BUNDLED_LABS_DIR = Path(__file__).resolve().parent.parent / "data" / "labs"

# Paths under `mimetic/`, in the order init reports them.
STARTER_FILES = (
    "README.md",
    "config.yaml",
    "personas/synthetic-new-user.yaml",
    "personas/skeptical-power-user.yaml",
    "scenarios/first-run-smoke.yaml",
    "scenarios/onboarding-regression.yaml",
    "labs/first-run.yaml",
    "policies/redaction.yaml",
    "policies/network.yaml",
    "policies/credentials.example.yaml",
    "adapters/app.yaml",
    "review/vocabulary.yaml",
    "review/milestones.yaml",
    "coverage-map.md",
    "coverage-matrix.md",
    "fixtures/synthetic-login-state.json",
)


def starter_path(relative: str) -> Path:
    """Where a starter file's content lives in the package."""
    # The scaffolded lab is the bundled `first-run` lab, kept in one place so the two never drift.
    if relative.startswith("labs/"):
        return BUNDLED_LABS_DIR / Path(relative).name
    return STARTER_DIR / relative


def starter_bytes(relative: str) -> bytes:
    return starter_path(relative).read_bytes()
