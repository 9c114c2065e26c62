"""Inside a lane: turn what the bootstrap noted into `completion.json` and `setup-quality.json`.

The bootstrap appends `key=value` lines to `lane-state.txt` as it goes (`note` in bootstrap.sh); its
EXIT trap calls `mimetic lane complete`, which lands here. Status rules follow upstream §4.2: a
non-zero exit or a failed nested verify is `failed`; an app that is not running or an invisible
surface is `blocked`; otherwise `passed`. The `actor*` fields are the lane's setup actor (a coding agent,
lanes/setup_actor.py), whose outcome never changes the lane's status; the actor that uses the app runs
on the host, which applies "a required actor must pass" itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from mimetic.bundle.store import atomic_write_json
from mimetic.clock import now_iso
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.scrub import lane_scrubber, tail
from mimetic.lanes.setup_quality import build_setup_quality, setup_facts
from mimetic.lanes.study_quality import rate_study
from mimetic.lanes.untrusted import lane_dir_exists, read_lane_text

STATE_FILE = "lane-state.txt"
COMPLETION_FILE = "completion.json"
SETUP_QUALITY_FILE = "setup-quality.json"
LOG_FILE = "bootstrap.log"
APP_LOG_FILE = "app.log"
READ_LIMIT = 1024 * 1024  # of a log or the state file, read from its end
LOG_TAIL_LINES = 80
ACTOR_TAIL_LINES = 40
ACTOR_LOG_FILE = "actor.log"  # the setup actor's redacted transcript (lanes/setup_actor.py)
ACTOR_LAST_MESSAGE_FILE = "actor-last-message.txt"
ACTOR_STATUSES = ("not_started", "running", "passed", "failed", "blocked", "timed_out")
PASSED_REASON = "Target app surface, nested Mimetic proof and nested verify were checked."
EARLY_EXIT_REASON = "Bootstrap exited before nested Mimetic proof completed."


def parse_state(text: str) -> dict[str, str]:
    """`key=value` lines noted by the bootstrap; the last value for a key wins."""
    state: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            state[key.strip()] = value.strip()
    return state


def read_state(root: Path) -> dict[str, str]:
    return parse_state(read_lane_text(root, STATE_FILE, limit=READ_LIMIT, oversize="tail") or "")


def _read_tail(root: Path, relative: str, lines: int) -> str:
    """The last lines of a log the repository's code could have replaced with a symlink or a FIFO."""
    return tail(read_lane_text(root, relative, limit=READ_LIMIT, oversize="tail") or "", lines)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _status(value: str | None, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def proof_failure_line(root: Path) -> str | None:
    """The nested proof's own failure line (its result's error message), as the lane's reason."""
    import json

    try:
        result = json.loads(read_lane_text(root, "nested-run.json", limit=READ_LIMIT, oversize="tail") or "null")
    except ValueError:
        return None
    error = result.get("error") if isinstance(result, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message.strip()[:600] if isinstance(message, str) and message.strip() else None


def decide(exit_code: int, state: dict[str, str], proof_line: str | None = None) -> tuple[str, str]:
    """(status, reason) for the lane, first match wins."""
    if exit_code != 0:
        return "failed", state.get("fail_reason") or EARLY_EXIT_REASON
    if state.get("nested_verify") != "passed":
        return "failed", "Nested `mimetic verify --run latest` did not pass."
    if state.get("app_status") != "running":
        return "blocked", state.get("app_reason") or "The target app was not running."
    if state.get("nested_proof_status") != "passed":
        return "failed", ("The nested browser proof did not pass: " + proof_line if proof_line
                          else "The nested `mimetic run --app-url` browser proof did not pass.")
    if state.get("visual_status") != "visible":
        return "blocked", state.get("visual_reason") or "The app surface was not visible."
    return "passed", PASSED_REASON


def build_completion(root: Path, exit_code: int) -> BootstrapCompletion:
    root = root.resolve()
    state = read_state(root)
    scrub = lane_scrubber(lane_root=root, project_root=None, home=os.environ.get("HOME")).text
    repo = root / "repo"
    log_tail = scrub(_read_tail(root, LOG_FILE, LOG_TAIL_LINES))
    status, reason = decide(exit_code, state, proof_failure_line(root))
    actor_log = scrub(_read_tail(root, ACTOR_LOG_FILE, ACTOR_TAIL_LINES))
    actor_message = scrub(_read_tail(root, ACTOR_LAST_MESSAGE_FILE, ACTOR_TAIL_LINES))
    setup = None
    if lane_dir_exists(root, "repo/mimetic"):  # a committed `mimetic -> /elsewhere` is not the setup
        facts = setup_facts(repo)
        study = rate_study(repo, facts, evidence_texts=[log_tail], actor_texts=[actor_log, actor_message],
                           app_url_proof_passed=state.get("nested_proof") == "app-url"
                           and state.get("nested_proof_status") == "passed")
        setup = build_setup_quality(repo, study=study, private=os.environ.get("MIMETIC_LANE_PRIVATE") == "1",
                                    facts=facts)
    nested_observer = state.get("nested_observer") == "rendered"
    return BootstrapCompletion(
        status=status, reason=scrub(reason), exit_code=exit_code, step=state.get("step"),
        package_manager=state.get("pm") or None, package_manager_version=state.get("pm_version") or None,
        package_manager_via=state.get("pm_via") or None, node_version=state.get("node_version") or None,
        node_source=state.get("node_source") or None, app_script=state.get("app_script") or None,
        app_framework=state.get("app_framework") or None,
        app_status=_status(state.get("app_status"), ("not_started", "running", "blocked", "failed", "missing"), "not_started"),
        app_reason=scrub(state.get("app_reason") or "") or None, app_url=state.get("app_url") or None,
        app_pid=_int(state.get("app_pid")), app_log_path=f"[lane-root]/{APP_LOG_FILE}" if (root / APP_LOG_FILE).exists() else None,
        app_log_tail=scrub(_read_tail(root, APP_LOG_FILE, ACTOR_TAIL_LINES)),
        actor_status=_status(state.get("actor_status"), ACTOR_STATUSES, "not_started"),
        actor_reason=scrub(state.get("actor_reason") or "") or None,
        actor_log_path=f"[lane-root]/{ACTOR_LOG_FILE}" if (root / ACTOR_LOG_FILE).exists() else None,
        actor_log_tail=actor_log, actor_last_message_tail=actor_message,
        nested_run_id=state.get("nested_run_id") or None,
        nested_proof=_status(state.get("nested_proof"), ("app-url", "dry-run"), "not_run"),
        nested_proof_status=_status(state.get("nested_proof_status"), ("passed", "failed"), "not_run"),
        nested_verify_status=_status(state.get("nested_verify"), ("passed", "failed"), "not_run"),
        nested_observer_present=nested_observer, setup_quality=setup,
        visual_status=_status(state.get("visual_status"), ("visible", "blocked"), "not_started"),
        visual_reason=scrub(state.get("visual_reason") or "") or None,
        visual_window_count=_int(state.get("visual_window_count")) or 0,
        log_tail=log_tail, completed_at=now_iso(),
    )


def write_completion(root: Path, exit_code: int) -> BootstrapCompletion:
    """setup-quality.json first, completion.json last: the host treats completion.json as "lane done"."""
    completion = build_completion(root, exit_code)
    if completion.setup_quality is not None:
        atomic_write_json(root / SETUP_QUALITY_FILE, completion.setup_quality.to_json())
    atomic_write_json(root / COMPLETION_FILE, completion.to_json())
    return completion
