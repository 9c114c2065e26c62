"""Lane status, lane progress and the run's verdict (upstream §4.2), as pure functions."""

from __future__ import annotations

from collections.abc import Iterable

from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_VERDICT

# Progress a lane shows at each point of its life.
PROGRESS_PREPARING = 34
PROGRESS_BOOTSTRAP = 74
PROGRESS_APP_RUNNING = 86
PROGRESS_DONE = 100
PROGRESS_BLOCKED = 18
PROGRESS_FAILED_EARLY = 8


def lane_status(completion: BootstrapCompletion) -> tuple[str, str]:
    """(status, reason) from a completion record; `passed` also needs a running app and a visible surface."""
    if completion.status == "passed":
        if completion.app_status != "running":
            return "blocked", completion.app_reason or "The bootstrap passed but the target app was not running."
        if completion.visual_status != "visible":
            return "blocked", completion.visual_reason or "The bootstrap passed but the app surface was not visible."
        return "passed", completion.reason
    return completion.status, completion.reason


def final_progress(status: str, *, completion_present: bool, current: int) -> int:
    if status == "blocked":
        return PROGRESS_BLOCKED
    if status == "failed" and not completion_present:
        return PROGRESS_FAILED_EARLY
    if status == "interrupted":
        return current
    return PROGRESS_DONE


def run_verdict(statuses: Iterable[str], *, interrupted: bool) -> str:
    statuses = list(statuses)
    if interrupted or "interrupted" in statuses:
        return "interrupted"
    for status, verdict in (("failed", "fail"), ("timed_out", "timed_out"), ("blocked", "blocked")):
        if status in statuses:
            return verdict
    return "pass" if statuses and all(s == "passed" for s in statuses) else "blocked"


def exit_code_for(verdict: str) -> int:
    if verdict == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_OK if verdict == "pass" else EXIT_VERDICT
