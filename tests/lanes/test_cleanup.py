"""`mimetic cleanup`: exact receipt ids only, already-gone is done, and every outcome lands in cleanup.json."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fixtures.fake_e2b import control_plane, make_fake_sandbox, stop_all

from mimetic.contracts.evidence import SandboxReceipt
from mimetic.lanes.cleanup import cleanup_run
from mimetic.project import Project

E2B_KEY = "canary-e2b-cleanup-91ab"


def write_receipts(project: Path, run_id: str, *entries: tuple[str, str], extra_lines: tuple[str, ...] = ()) -> None:
    run_dir = project / ".mimetic" / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(SandboxReceipt(sandbox_id=sid, substrate=substrate, stream_id=f"oss-{i + 1:02d}-desktop",
                                       created_at="2026-11-25T00:00:00.000Z").to_json())
             for i, (sid, substrate) in enumerate(entries)]
    (run_dir / "sandbox-receipts.ndjson").write_text("\n".join(lines + list(extra_lines)) + "\n")


@pytest.fixture
def dry_run(cli, project) -> str:
    assert cli("run", "--dry-run", "--run-id", "run-1", "--json").exit_code == 0
    return "run-1"


def test_cleanup_kills_exactly_the_receipted_ids_through_the_real_sdk(cli, project, dry_run, monkeypatch):
    write_receipts(project, dry_run, ("live1", "e2b"), ("gone1", "e2b"), ("local-oss-03", "local"), ("live1", "e2b"),
                   extra_lines=("{not json",))
    with control_plane() as (url, requests):
        monkeypatch.setenv("E2B_API_KEY", E2B_KEY)
        monkeypatch.setenv("E2B_API_URL", url)
        call = cli("cleanup", "--run", dry_run, "--json")

    data = call.json()
    assert call.exit_code == 0, call.stdout
    assert data["schema"] == "mimetic.cleanup-result.v1" and data["ok"] is True
    assert data["killed"] == ["live1"]
    assert data["alreadyGone"] == ["gone1", "local-oss-03"]
    assert data["failed"] == [] and data["skipped"] == []
    assert any("line 5" in w for w in data["warnings"])
    # One DELETE per unique e2b id and nothing else: the account is never listed.
    assert [(r["method"], r["path"]) for r in requests] == [("DELETE", "/sandboxes/live1"),
                                                             ("DELETE", "/sandboxes/gone1")]
    written = json.loads((project / ".mimetic/runs/run-1/cleanup.json").read_text())
    assert written["killed"] == ["live1"] and written["alreadyGone"] == ["gone1", "local-oss-03"]
    assert E2B_KEY not in call.stdout and E2B_KEY not in json.dumps(written)


def test_missing_e2b_key_skips_e2b_ids_with_a_reason_and_exits_1(cli, project, dry_run):
    write_receipts(project, dry_run, ("sbx1", "e2b"), ("local-oss-02", "local"))
    call = cli("cleanup", "--run", "latest", "--json")
    data = call.json()
    assert call.exit_code == 1
    assert data["ok"] is False
    assert data["skipped"] == [{"id": "sbx1", "reason": "Needs E2B_API_KEY to kill E2B sandboxes."}]
    assert data["alreadyGone"] == ["local-oss-02"]
    assert (project / ".mimetic/runs/run-1/cleanup.json").is_file()


def test_human_output_names_the_counts_and_the_skipped_ids(cli, project, dry_run):
    write_receipts(project, dry_run, ("sbx1", "e2b"))
    call = cli("cleanup")
    assert call.exit_code == 1
    assert "killed: 0, already gone: 0, failed: 0, skipped: 1" in call.stdout
    assert "skipped sbx1: Needs E2B_API_KEY" in call.stdout


def test_kill_failures_are_recorded_redacted_and_exit_1(project, tmp_path, monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", E2B_KEY)
    write_receipts(project, "run-2", ("sbx1", "e2b"), ("../../v2/sandboxes", "e2b"), ("vm-1", "docker"))
    fake = make_fake_sandbox(tmp_path / "e2b")
    fake.fail_kill = httpx.ConnectError(f"connect failed while sending X-API-KEY {E2B_KEY}")
    try:
        result, exit_code = cleanup_run(Project(project), "run-2", e2b_factory=fake)
    finally:
        stop_all(fake)

    assert exit_code == 1 and not result.ok
    failed = {item.id: item.reason for item in result.failed}
    assert failed["sbx1"].startswith("MIMETIC_E2B_UNREACHABLE") and E2B_KEY not in failed["sbx1"]
    assert failed["../../v2/sandboxes"].startswith("MIMETIC_INVALID_SANDBOX_ID")
    assert [sid for sid, _ in fake.kill_calls] == ["sbx1"]  # a malformed id is never sent
    assert [(i.id, i.reason) for i in result.skipped] == [("vm-1", "Unknown substrate 'docker'.")]
    assert E2B_KEY not in (project / ".mimetic/runs/run-2/cleanup.json").read_text()


def test_interrupted_run_without_run_json_is_cleaned_by_explicit_id(project, tmp_path, monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", E2B_KEY)
    fake = make_fake_sandbox(tmp_path / "e2b")
    alive = fake.create(envs={})
    write_receipts(project, "run-3", (alive.sandbox_id, "e2b"))
    try:
        result, exit_code = cleanup_run(Project(project), "run-3", e2b_factory=fake)
    finally:
        stop_all(fake)
    assert exit_code == 0 and result.killed == [alive.sandbox_id] and not alive.alive


def test_a_run_without_receipts_has_nothing_to_clean(cli, dry_run):
    data = cli("cleanup", "--json").json()
    assert data["ok"] is True and data["killed"] == [] and "nothing to clean up" in data["warnings"][0]


def test_unknown_run_is_a_usage_error(cli):
    call = cli("cleanup", "--run", "no-such-run", "--json")
    assert call.exit_code == 2 and call.json()["error"]["code"] == "MIMETIC_RUN_NOT_FOUND"


def test_cleanup_json_names_the_project_by_marker_so_the_run_still_verifies(cli, project, dry_run):
    write_receipts(project, dry_run, ("local-oss-01", "local"))
    data = cli("cleanup", "--run", dry_run, "--json").json()
    assert data["cwd"] == str(project)  # stdout keeps the real cwd; the file does not
    written = json.loads((project / ".mimetic/runs/run-1/cleanup.json").read_text())
    assert written["cwd"] == "[target-cwd]"
    assert cli("verify", "--run", dry_run, "--json").exit_code == 0


def test_killing_by_id_needs_no_source_checkout(project, tmp_path, monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", E2B_KEY)
    monkeypatch.setattr("mimetic.lanes.wheel.source_checkout", lambda: None)  # mimetic installed from a wheel
    fake = make_fake_sandbox(tmp_path / "e2b")
    alive = fake.create(envs={})
    write_receipts(project, "run-4", (alive.sandbox_id, "e2b"))
    try:
        result, exit_code = cleanup_run(Project(project), "run-4", e2b_factory=fake)
    finally:
        stop_all(fake)
    assert exit_code == 0 and result.killed == [alive.sandbox_id] and result.skipped == []


def test_a_local_lane_still_running_is_found_and_killed_not_assumed_gone(cli, project, dry_run):
    """After mimetic itself was killed, a lane's processes may still run: cleanup looks them up by the lane marker."""
    import os
    import subprocess

    from mimetic.lanes.local import MARKER_NAME, lane_tmp_root

    root = lane_tmp_root(Project(project), dry_run) / "oss-01"
    root.mkdir(parents=True)
    leftover = subprocess.Popen(["sleep", "300"], env={**os.environ, MARKER_NAME: str(root.resolve())},
                                start_new_session=True)
    write_receipts(project, dry_run, ("oss-01", "local"), ("oss-02", "local"))
    try:
        data = cli("cleanup", "--run", dry_run, "--json").json()
        assert data["killed"] == ["oss-01"] and data["alreadyGone"] == ["oss-02"]
        assert leftover.wait(timeout=10) is not None  # really ended, not just reported
    finally:
        leftover.kill()
        leftover.wait()
