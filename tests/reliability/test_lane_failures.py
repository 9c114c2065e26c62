"""A lane that raises, hangs, or floods its log never takes the run down with it.

`mimetic lab run oss` runs end to end through the CLI; only the substrate is a fake (lanes "run" in
memory), so each misbehaviour is exact and the test is fast.
"""

from __future__ import annotations

import json

import pytest
from lanes.lane_fakes import Behaviour, FakeSandbox, passed_completion

from mimetic.lanes.substrates import SubstrateChoice

CANARY = "canary-provider-4d1c9e07b2"  # a secret value the raising lane puts in its exception
FLOOD_BYTES = 50 * 1024 * 1024
BUNDLE_LIMIT = 2 * 1024 * 1024


class FloodingSandbox(FakeSandbox):
    """A lane whose bootstrap log is 50 MB, in one line (a progress bar that never prints a newline),
    and whose completion record carries the same flood in its log tails."""

    flood = b"#" * FLOOD_BYTES

    def read_file(self, relative: str) -> bytes | None:
        if self.started_at is None:
            return None
        if relative == "bootstrap.log":
            return self.flood
        if relative == "completion.json":
            record = json.loads(passed_completion())
            record["logTail"] = record["appLogTail"] = self.flood.decode()
            return json.dumps(record).encode()
        return None


class MisbehavingSubstrate:
    """Lane 1 raises (with a secret in the message), lane 2 never completes, lane 3 floods; the rest pass."""

    name = "fake"

    def __init__(self):
        self.sandboxes: list[FakeSandbox] = []

    def missing_requirements(self) -> list[str]:
        return []

    def launch(self, spec):
        behaviours = {1: Behaviour(raise_on_read=f"provider refused key {CANARY} at /home/someone/.config/x"),
                      2: Behaviour(never_completes=True)}
        sandbox = (FloodingSandbox if spec.index == 3 else FakeSandbox)(spec, behaviours.get(spec.index, Behaviour(0.1)))
        self.sandboxes.append(sandbox)
        return sandbox

    def kill(self, sandbox_id: str) -> bool:
        return True


@pytest.fixture
def misbehaving(monkeypatch):
    substrate = MisbehavingSubstrate()
    monkeypatch.setattr("mimetic.lanes.meta.open_substrate",
                        lambda name, **_: SubstrateChoice(name, substrate=substrate))
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("MIMETIC_OSS_META_SKIP_REPO_ACCESS_PREFLIGHT", "1")
    monkeypatch.setenv("MIMETIC_OSS_META_COMPLETION_INTERVAL_MS", "20")
    monkeypatch.setenv("MIMETIC_OSS_META_COMPLETION_TIMEOUT_MS", "1500")
    return substrate


def test_raising_hanging_and_flooding_lanes_end_failed_timed_out_and_bounded_while_the_others_pass(
        cli, project, misbehaving):
    # All five at once (the local default is bounded by the CPU count): a hanging lane must not hold the others,
    # which pass, while it ends timed out with its timeout as the reason (no wall-clock bound: a busy machine
    # stretches every run; the runner's speed is measured in bench/fanout.py).
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "acme/app", "--count", "5", "--concurrency", "5",
                 "--run-id", "misbehave", "--json")
    data = result.json()

    assert result.exit_code == 1 and data["verdict"] == "fail", data
    statuses = [s["completionStatus"] for s in data["sandboxes"]]
    assert statuses == ["passed", "failed", "timed_out", "passed", "passed"]
    reasons = [s["completionReason"] for s in data["sandboxes"]]
    assert reasons[1].startswith("Lane failed: provider refused key") and CANARY not in reasons[1]
    assert "/home/someone" not in reasons[1]
    assert reasons[2].startswith("The lane did not complete within 1.5s")
    assert all(sandbox.closed for sandbox in misbehaving.sandboxes)

    run = project / ".mimetic/runs/misbehave"
    sizes = {path.relative_to(run).as_posix(): path.stat().st_size for path in run.rglob("*") if path.is_file()}
    assert sizes["run.json"] < BUNDLE_LIMIT, sizes
    assert max(sizes.values()) < BUNDLE_LIMIT, sizes  # logs, events, Observer data: all bounded
    written = b"".join(path.read_bytes() for path in run.rglob("*") if path.is_file())
    assert CANARY.encode() not in written
    bundle = json.loads((run / "run.json").read_text())
    flooded = bundle["streams"][3]
    assert flooded["status"] == "passed" and "#" * 1000 in flooded["terminal"]["tail"]
    assert cli("verify", "--run", "misbehave", "--json").json()["ok"]
