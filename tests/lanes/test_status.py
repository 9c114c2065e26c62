"""Lane status, progress and the run verdict (upstream §4.2)."""

from __future__ import annotations

import pytest

from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.completion import decide
from mimetic.lanes.status import exit_code_for, final_progress, lane_status, run_verdict


def _completion(**fields) -> BootstrapCompletion:
    return BootstrapCompletion(**{"status": "passed", "reason": "ok", "completed_at": "t", **fields})


def test_a_passed_completion_needs_a_running_app_and_a_visible_surface():
    assert lane_status(_completion(app_status="running", visual_status="visible")) == ("passed", "ok")
    assert lane_status(_completion(app_status="missing", app_reason="No runnable script"))[0] == "blocked"
    assert lane_status(_completion(app_status="running", visual_status="blocked"))[0] == "blocked"
    assert lane_status(_completion(status="timed_out", reason="slow")) == ("timed_out", "slow")


@pytest.mark.parametrize(("exit_code", "state", "expected"), [
    (3, {"fail_reason": "Clone of a/b failed"}, ("failed", "Clone of a/b failed")),
    (0, {"nested_verify": "failed", "app_status": "running"}, ("failed", "Nested `mimetic verify --run latest` did not pass.")),
    (0, {"nested_verify": "passed", "app_status": "missing", "app_reason": "No runnable script"}, ("blocked", "No runnable script")),
    (0, {"nested_verify": "passed", "app_status": "running", "nested_proof_status": "failed"},
     ("failed", "The nested `mimetic run --app-url` browser proof did not pass.")),
    (0, {"nested_verify": "passed", "app_status": "running", "nested_proof_status": "passed", "visual_status": "visible"},
     ("passed", "Target app surface, nested Mimetic proof and nested verify were checked.")),
])
def test_the_bootstrap_completion_status_follows_the_first_matching_rule(exit_code, state, expected):
    assert decide(exit_code, state) == expected


@pytest.mark.parametrize(("statuses", "interrupted", "verdict", "code"), [
    (["passed", "passed"], False, "pass", 0),
    (["passed", "blocked", "failed"], False, "fail", 1),
    (["passed", "timed_out", "blocked"], False, "timed_out", 1),
    (["blocked", "blocked"], False, "blocked", 1),
    (["passed", "interrupted"], True, "interrupted", 130),
])
def test_the_run_verdict_and_exit_code(statuses, interrupted, verdict, code):
    assert run_verdict(statuses, interrupted=interrupted) == verdict and exit_code_for(verdict) == code


def test_progress_of_lanes_that_ended():
    assert final_progress("passed", completion_present=True, current=74) == 100
    assert final_progress("blocked", completion_present=True, current=74) == 18
    assert final_progress("failed", completion_present=False, current=34) == 8
    assert final_progress("interrupted", completion_present=False, current=74) == 74
