"""0.1.5's watch refresh variables: a running lane's screenshot and terminal tail are refreshed as it runs."""

from __future__ import annotations

import threading
from dataclasses import replace

from lanes.lane_fakes import PNG, Behaviour, FakeSandbox, FakeSubstrate

from mimetic.lanes.meta import _settings


class ScreenFirst(FakeSubstrate):
    """Lanes complete only after the runner took a screenshot of them mid-run (synchronised, no sleeps)."""

    def launch(self, spec):
        release = threading.Event()
        sandbox = super().launch(spec)
        sandbox.behaviour = Behaviour(release=release)
        shots: list[bytes] = []

        def screenshot() -> bytes:
            shots.append(PNG)
            release.set()
            return PNG

        sandbox.screenshot = screenshot
        sandbox.shots = shots
        return sandbox


def test_a_running_lanes_screenshot_is_refreshed_before_it_completes(lane_harness):
    substrate = ScreenFirst(Behaviour())
    h = lane_harness(substrate, 2)
    h.runner.settings = replace(h.runner.settings, screenshot_refresh_s=0.01, screenshot_settle_s=0.0)
    outcome = h.runner.run(h.jobs, concurrency=2)
    assert [r.status for r in outcome.results] == ["passed", "passed"]
    assert all(isinstance(s, FakeSandbox) and s.shots for s in substrate.sandboxes)
    for lane in h.board.lanes:
        assert h.store.path(f"screenshots/{lane.stream_id}.png").read_bytes() == PNG


def test_the_refresh_variables_set_the_runners_cadence(monkeypatch):
    monkeypatch.setenv("MIMETIC_OSS_META_WATCH_REFRESH_MS", "750")
    monkeypatch.setenv("MIMETIC_OSS_META_SCREENSHOT_REFRESH_MS", "4000")
    monkeypatch.setenv("MIMETIC_OSS_META_SCREENSHOT_SETTLE_MS", "100")
    settings = _settings("local", False, _NoActor(), None, False, None, None)
    assert (settings.tail_refresh_s, settings.screenshot_refresh_s, settings.screenshot_settle_s) == (0.75, 4.0, 0.1)
    monkeypatch.setenv("MIMETIC_OSS_META_SCREENSHOT_REFRESH_MS", "soon")  # malformed: 0.1.5's default, as there
    assert _settings("local", False, _NoActor(), None, False, None, None).screenshot_refresh_s == 15.0


class _NoActor:
    enabled = False
