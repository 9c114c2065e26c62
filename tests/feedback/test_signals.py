"""Ownership phrases: substrate and dependency failures are recognised without blaming healthy lanes."""

from __future__ import annotations

import pytest

from mimetic.feedback.signals import CREDENTIALS_MISSING, DEPENDENCY_FAILURE, SANDBOX_FAILURE, first_match


@pytest.mark.parametrize("text", [
    "E2B sandbox creation failed: timed out after 60 s",
    "Chromium launch failed: missing shared library",
    "The sandbox failed to start",
    "Failed to launch the browser",
    "could not connect to desktop",
    "GitHub repo clone access preflight failed for repo-01",
])
def test_sandbox_launch_failures_are_recognised(text: str) -> None:
    assert SANDBOX_FAILURE.search(text)


@pytest.mark.parametrize("text", [
    "Sandbox started and the app failed to build",
    "Browser proof passed on desktop; mobile step failed",
    "desktop visible, actor exited",
])
def test_healthy_substrate_with_other_failures_is_not_a_launch_failure(text: str) -> None:
    assert not SANDBOX_FAILURE.search(text)


@pytest.mark.parametrize("text", [
    "npm ERR! code ERESOLVE", "ERR_PNPM_ADDING_TO_ROOT", "pip install -r requirements.txt exited with code 1",
    "ERROR: No matching distribution found for left-pad", "yarn add failed: YN0001",
])
def test_dependency_install_failures_are_recognised(text: str) -> None:
    assert DEPENDENCY_FAILURE.search(text)


@pytest.mark.parametrize("text", ["npm install finished with 0 errors", "pip install ok; app failed to start"])
def test_clean_installs_are_not_dependency_failures(text: str) -> None:
    assert not DEPENDENCY_FAILURE.search(text)


def test_waiting_for_provider_keys_is_recognised_and_reported_as_one_public_line() -> None:
    log = "booting\nWaiting for E2B_API_KEY before launching repo-01.\nbye"
    assert CREDENTIALS_MISSING.search(log)
    assert first_match(CREDENTIALS_MISSING, [log]) == "Waiting for E2B_API_KEY before launching repo-01."
    assert first_match(DEPENDENCY_FAILURE, ["$ npm ci\nnpm ERR! at /home/dev/app/package.json"]) == \
        "npm ERR! at [local-path]"
