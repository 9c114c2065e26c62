"""Acceptance: `mimetic run --app-url <fixture> --actor openai-cua --json` with the real `openai` client
pointed at the loopback fake performs real clicks and typing in Chromium, and what the actor finds
reaches the lane evidence, the feedback candidates and `mimetic stats`."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from conftest import Cli
from fixtures.actor_support import CANARY_KEY, centre, files_containing
from fixtures.fake_brain import ScriptBrain, verdict_text
from fixtures.fake_responses import serve_fake_openai
from fixtures.todo_app import serve_todo_app
from mimetic.actors.providers.base import Usage
from mimetic.actors.rates import cost_usd

pytestmark = pytest.mark.browser
STREAM = "browser-desktop-stream"


def todos(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/todos", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def targets(todo_url):
    """Where a person would click on the 1440x960 desktop viewport the proof uses (same layout in every variant).

    Measured in a browser that is closed again before the CLI runs: Playwright's sync API cannot nest."""
    from conftest import CHROMIUM
    from mimetic.browser.chromium import DESKTOP, launch_chromium

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM}")
    with launch_chromium(CHROMIUM) as launched:
        page = launched.new_context(DESKTOP).new_page()
        page.goto(todo_url)
        return {"input": centre(page, "#new-todo"), "add": centre(page, "#add")}


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Cli:
    root = tmp_path_factory.mktemp("actor-cli") / "project"
    root.mkdir()
    return Cli(root)


USAGE = [("usage", 1000, 50), ("usage", 1100, 60), ("usage", 1200, 70), ("usage", 900, 170)]  # 4200 in, 350 out
TURN_COST = sum(cost_usd("gpt-5.4-mini", Usage(u[1], 0, u[2])) for u in USAGE)


def scripted(*turns) -> ScriptBrain:
    return ScriptBrain([[usage, *turn] for usage, turn in zip(USAGE, turns)])


def run_with_actor(cli: Cli, app_url: str, script, monkeypatch) -> tuple[dict, int, Path]:
    with serve_fake_openai(script) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        call = cli("run", "--app-url", app_url, "--actor", "openai-cua", "--json")
    result = call.json()
    assert "artifactRoot" in result, result
    return result, call.exit_code, cli.cwd / result["artifactRoot"]


def test_actor_adds_a_todo_through_the_cli_then_a_defect_becomes_a_target_app_candidate(cli, targets, monkeypatch):
    title = "Buy oat milk through the actor"
    good_script = scripted([("click", *targets["input"])], [("type", title)], [("key", "ENTER")],
                           [("final", verdict_text("passed", "Added the todo with Enter."))])
    with serve_todo_app("good") as app_url:
        result, code, run_dir = run_with_actor(cli, app_url, good_script, monkeypatch)
        state = todos(app_url)
    assert (code, result["verdict"]) == (0, "pass")
    assert [todo["title"] for todo in state] == [title]
    report = json.loads((run_dir / f"actors/{STREAM}.json").read_text())
    assert (report["status"], report["verdict"], report["steps"]) == ("passed", "passed", 3)
    assert report["tokens"] == {"input": 4200, "output": 350, "cached": 0}
    assert report["costUsd"] == pytest.approx(TURN_COST, abs=1e-6) and len(report["turns"]) == 4
    lines = [json.loads(line) for line in (run_dir / report["transcriptPath"]).read_text().splitlines()]
    assert [(line["kind"], line.get("args")) for line in lines[:3]] == [
        ("click", {"x": targets["input"][0], "y": targets["input"][1], "button": "left"}),
        ("type", {"text": title}), ("keypress", {"keys": ["ENTER"]})]
    bundle = json.loads((run_dir / "run.json").read_text())
    desktop = next(s for s in bundle["streams"] if s["id"] == STREAM)
    assert {"label": "Actor report", "path": f"actors/{STREAM}.json", "kind": "actor"} in desktop["artifacts"]

    finding = {"observed": "Clicking Add does nothing; the todo is not added", "where": "todo form, Add button",
               "severity": "high", "owner": "product", "expected": "Clicking Add adds the todo to the list"}
    block = json.dumps({"verdict": "failed", "summary": "The Add button is dead.", "findings": [finding]})
    defective_script = scripted([("click", *targets["input"])], [("type", "Walk the dog")],
                                [("click", *targets["add"])], [("final", f"Stuck.\n```json\n{block}\n```")])
    with serve_todo_app("defective") as app_url:
        result, code, run_dir = run_with_actor(cli, app_url, defective_script, monkeypatch)
        state = todos(app_url)
    assert state == []  # the click on the dead button really happened and really did nothing
    assert (code, result["verdict"]) == (1, "fail")
    report = json.loads((run_dir / f"actors/{STREAM}.json").read_text())
    assert report["status"] == "failed" and report["findings"][0]["observed"] == finding["observed"]
    assert report["findings"][0]["owner"] == "product"

    listed = cli("feedback", "list", "--json").json()
    candidates = [entry["candidate"] for entry in listed["candidates"]]
    product = [c for c in candidates if c["failure_owner"] == "target-app" and finding["observed"] in c["summary"]]
    assert product and product[0]["expected"] == finding["expected"]
    assert any(e["path"] == f"actors/{STREAM}.json" for e in product[0]["evidence"])

    stats = cli("stats", "--json").json()
    assert stats["runCount"] == 2 and stats["actorCount"] == 2
    assert stats["tokens"] == {"input": 8400, "output": 700, "cached": 0}
    assert stats["costUsd"] == pytest.approx(2 * TURN_COST, abs=1e-5)
    assert stats["actorOutcomes"] == {"passed": 1, "failed": 1} and stats["outcomes"] == {"pass": 1, "fail": 1}

    assert files_containing(cli.cwd / ".mimetic", CANARY_KEY) == []
