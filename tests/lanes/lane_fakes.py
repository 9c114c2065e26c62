"""A fake substrate for the lane state machine: its lanes "run" for a set time and then complete."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from mimetic.clock import now_iso
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.lanes.claims import ClaimCheck
from mimetic.lanes.substrate import LaneSpec

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def passed_completion() -> bytes:
    record = BootstrapCompletion(status="passed", reason="Target app surface, nested Mimetic proof and nested verify "
                                 "were checked.", exit_code=0, app_status="running", app_url="http://127.0.0.1:3000",
                                 nested_proof="app-url", nested_proof_status="passed", nested_verify_status="passed",
                                 visual_status="visible", log_tail="step: done\n", completed_at=now_iso())
    return json.dumps(record.to_json()).encode()


@dataclass
class Behaviour:
    duration_s: float = 0.0
    raise_on_read: str | None = None  # an exception message read_file raises once the bootstrap started
    launcher_raises: bool = False
    never_completes: bool = False
    stream_url: str | None = None  # a live view URL (auth-bearing on a real desktop)
    release: threading.Event | None = None  # when given, lanes complete only once it is set


class FakeSandbox:
    def __init__(self, spec: LaneSpec, behaviour: Behaviour, on_close=lambda: None):
        self._on_close = on_close
        self.id = f"fake-{spec.sim_id}"
        self.spec = spec
        self.behaviour = behaviour
        self.started_at: float | None = None
        self.env: dict[str, str] = {}
        self.closed = False
        self.runtime_urls_seen: dict[str, str] = {}  # what the served Observer could overlay mid-run

    def start_bootstrap(self, script, env) -> None:
        if self.behaviour.launcher_raises:
            raise RuntimeError("could not open a terminal")
        self.env = dict(env)
        self.started_at = time.monotonic()

    def read_file(self, relative: str) -> bytes | None:
        if self.started_at is None:
            return None
        if self.behaviour.raise_on_read:
            raise RuntimeError(self.behaviour.raise_on_read)
        from mimetic.lanes.live_feeds import stream_urls

        self.runtime_urls_seen.update(stream_urls.snapshot())
        if relative == "bootstrap.log":
            return b"[mimetic-lane] step: proof\n"
        done = time.monotonic() - self.started_at >= self.behaviour.duration_s
        done = done and (self.behaviour.release is None or self.behaviour.release.is_set())
        if relative == "completion.json" and done and not self.behaviour.never_completes:
            return passed_completion()
        return None

    def screenshot(self) -> bytes | None:
        return PNG

    def audit(self, completion) -> ClaimCheck:
        return ClaimCheck()

    def stream_url(self) -> str | None:
        return self.behaviour.stream_url

    def computer(self):
        return None

    def close(self) -> None:
        if not self.closed:
            self._on_close()
        self.closed = True


@dataclass
class FakeSubstrate:
    default: Behaviour = field(default_factory=Behaviour)
    per_lane: dict[int, Behaviour] = field(default_factory=dict)
    name: str = "fake"
    sandboxes: list[FakeSandbox] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Condition()
        self.open = 0  # sandboxes launched and not yet closed
        self.peak_open = 0

    def wait_open(self, count: int, timeout: float) -> bool:
        """Block until `count` sandboxes are open at once (False if that never happened in `timeout`)."""
        with self._lock:
            return self._lock.wait_for(lambda: self.open >= count, timeout)

    def _closed(self) -> None:
        with self._lock:
            self.open -= 1

    def missing_requirements(self) -> list[str]:
        return []

    def launch(self, spec: LaneSpec) -> FakeSandbox:
        sandbox = FakeSandbox(spec, self.per_lane.get(spec.index, self.default), on_close=self._closed)
        with self._lock:
            self.sandboxes.append(sandbox)
            self.open += 1
            self.peak_open = max(self.peak_open, self.open)
            self._lock.notify_all()
        return sandbox

    def kill(self, sandbox_id: str) -> bool:
        return True
