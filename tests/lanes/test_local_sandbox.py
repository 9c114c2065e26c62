"""LocalSandbox without a real browser: the actor's Chromium is always closed with the lane."""

from __future__ import annotations

import contextlib

import pytest

from mimetic.lanes.local import LocalSandbox


def test_a_browser_whose_page_fails_to_open_is_still_closed_with_the_lane(tmp_path, monkeypatch):
    closed = []

    class Launched:
        def new_context(self, _viewport):
            raise RuntimeError("no page for you")

    @contextlib.contextmanager
    def fake_launch(_executable):
        try:
            yield Launched()
        finally:
            closed.append(True)

    monkeypatch.setattr("mimetic.browser.chromium.find_chromium", lambda: "chromium")
    monkeypatch.setattr("mimetic.browser.chromium.launch_chromium", fake_launch)
    root = tmp_path / "oss-meta" / "run" / "oss-01"
    root.mkdir(parents=True)
    sandbox = LocalSandbox(root, "oss-01", keep=False, python="python3", port=0)

    with pytest.raises(RuntimeError, match="no page for you"):
        sandbox.computer()
    assert closed == []  # the lane owns the browser (not the garbage collector) until it closes
    sandbox.close()

    assert closed == [True] and not root.exists()
