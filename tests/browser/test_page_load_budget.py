"""Page loads fit real dev servers: a first load that takes 20 s (a cold compile) passes within the default
budget, and fails with a reason naming the budget when `--timeout-ms` is smaller than the compile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CHROMIUM, Cli
from fixtures.cold_dev_server import serve_cold_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}"),
]

COMPILE_S = 20


def test_a_twenty_second_first_load_passes_with_the_default_budget(tmp_path):
    cli = Cli(tmp_path)
    with serve_cold_app(COMPILE_S) as url:
        call = cli("run", "--app-url", url, "--json")
    result = call.json()
    assert call.exit_code == 0, call.stdout
    assert result["verdict"] == "pass"
    run_dir = tmp_path / result["artifactRoot"]
    events = [json.loads(line) for line in (run_dir / "events.ndjson").read_text().splitlines()]
    warmup = next(e for e in events if e["type"] == "browser-app.warmup")
    assert "settled" in warmup["message"]  # the compile was paid by the warm-up, not by a viewport
    for viewport in ("desktop", "mobile"):
        trace = json.loads((run_dir / "traces" / f"{viewport}.json").read_text())
        assert [s["status"] for s in trace["steps"]] == ["passed", "passed"]


def test_a_budget_smaller_than_the_first_load_times_out_naming_the_budget(tmp_path):
    cli = Cli(tmp_path)
    with serve_cold_app(COMPILE_S) as url:
        call = cli("run", "--app-url", url, "--timeout-ms", "5000", "--json")
    result = call.json()
    assert call.exit_code == 1
    assert result["verdict"] == "timed_out"
    assert "5000 ms budget" in result["error"]["message"]
    trace = json.loads((tmp_path / result["artifactRoot"] / "traces" / "desktop.json").read_text())
    opened = trace["steps"][0]
    assert opened["status"] == "blocked" and "5000 ms budget" in opened["reason"]
    assert trace["steps"][1]["status"] == "skipped" and "5000 ms budget" in trace["steps"][1]["reason"]
