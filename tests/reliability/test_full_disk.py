"""A disk that fills up mid-run: a clear MIMETIC_WRITE_FAILED error (no traceback), earlier runs untouched
and still verifiable, no temp file left and no half-written run.json.

The disk "fills" for real: after N writes the store's temp files are opened on /dev/full, so the
write itself fails with ENOSPC and the store's own clean-up path runs.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from reliability.support import tree_snapshot

from mimetic.bundle import store as store_module
from mimetic.bundle.store import load_bundle_file

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to fill a write")

# The order a dry-run writes in: review.json, review.md, events.ndjson, run.json, observer data,
# observer page, latest.json.
FAILING_WRITES = {"review-json": 0, "run-json": 3, "observer-page": 5, "latest-pointer": 6}
COMMANDS = {"run-dry-run": ("run", "--dry-run"), "lab-oss-dry-run": ("lab", "run", "oss", "--dry-run")}


class FillingDisk:
    """A `tempfile` stand-in for the store: the first `room` temp files are real, later ones hit /dev/full."""

    def __init__(self, room: int):
        self.room = room
        self.opened = 0

    def mkstemp(self, **kwargs):
        fd, path = tempfile.mkstemp(**kwargs)
        self.opened += 1
        if self.opened > self.room:
            os.close(fd)
            fd = os.open("/dev/full", os.O_WRONLY)
        return fd, path


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize("room", FAILING_WRITES.values(), ids=FAILING_WRITES.keys())
def test_a_full_disk_fails_cleanly_and_leaves_earlier_runs_whole(cli, project, monkeypatch, command, room):
    assert cli("run", "--dry-run", "--run-id", "before", "--json").exit_code == 0
    assert cli("lab", "run", "oss", "--dry-run", "--run-id", "before-oss", "--json").exit_code == 0
    earlier = tree_snapshot(project / ".mimetic")

    for attempt, mode in enumerate(("--json", None)):
        run_id = f"full-{attempt}"
        with monkeypatch.context() as patch:
            patch.setattr(store_module, "tempfile", SimpleNamespace(mkstemp=FillingDisk(room).mkstemp))
            result = cli(*command, "--run-id", run_id, *([mode] if mode else []))

        assert result.exit_code == 2, (result.stdout, result.stderr)
        if mode:
            error = result.json()["error"]
            assert error["code"] == "MIMETIC_WRITE_FAILED"
            message = error["message"]
        else:
            assert "Traceback" not in result.stderr and result.stderr.startswith("MIMETIC_WRITE_FAILED: ")
            message = result.stderr
        assert "No space left on device" in message and "disk full" in message
        assert f".mimetic/runs/{run_id}/" in message or ".mimetic/runs/latest.json" in message
        assert str(project) not in message

        after = tree_snapshot(project / ".mimetic")
        assert {path: digest for path, digest in after.items() if path in earlier} == earlier
        assert not [path for path in after if path.endswith(".tmp")]
        partial = project / ".mimetic/runs" / run_id / "run.json"
        if partial.exists():
            load_bundle_file(partial)  # whole and valid, never torn

    latest = json.loads((project / ".mimetic/runs/latest.json").read_text())
    assert latest["runId"] == "before-oss"
    for run in ("before", "before-oss", "latest"):
        assert cli("verify", "--run", run, "--json").json()["ok"]
