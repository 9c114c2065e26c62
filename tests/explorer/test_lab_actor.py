"""`actor: {kind: explore}` in labs: the explorer drives a local lane's page; E2B lanes refuse it up front."""

from __future__ import annotations

import json

import pytest
from conftest import CHROMIUM
from fixtures.todo_app import serve_todo_app

from explorer.conftest import needs_chromium, persona
from mimetic.actors.lane_actor import LaneActorPlan, run_lane_actor
from mimetic.actors.playwright_computer import PlaywrightComputer
from mimetic.browser.chromium import DESKTOP, launch_chromium
from mimetic.bundle.store import RunStore
from mimetic.contracts.manifests import LabActor
from mimetic.project import Project

LAB = """schema: mimetic.lab.v1
id: explore-hosted
kind: oss-meta
substrate: e2b
repos: [acme/app]
actor:
  kind: explore
"""


def test_explore_actor_on_the_e2b_substrate_exits_2_before_any_sandbox(cli, project):
    (project / "mimetic" / "labs").mkdir(parents=True)
    (project / "mimetic" / "labs" / "explore-hosted.yaml").write_text(LAB, encoding="utf-8")
    result = cli("lab", "run", "explore-hosted", "--live", "--json")
    assert result.exit_code == 2, result.stdout
    error = result.json()["error"]
    assert error["code"] == "MIMETIC_EXPLORER_UNAVAILABLE" and "--substrate local" in error["message"]
    assert not list((project / ".mimetic" / "runs").glob("*/sandbox-receipts.ndjson"))


def test_explore_plan_needs_no_key_and_makes_no_preflight_call(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    plan = LaneActorPlan.resolve(LabActor(kind="explore"), environ={})
    assert plan.enabled and plan.explorer and plan.preflight() is None


class PageLane:
    """A lane whose screen is a real Playwright page on the app (what a local lane's computer() gives)."""

    def __init__(self, page):
        self._computer = PlaywrightComputer(page)

    def computer(self):
        return self._computer


class ScreenOnlyLane:
    """A lane whose screen is only screenshots and input events (an E2B desktop)."""

    def computer(self):
        return object()


@needs_chromium
@pytest.mark.browser
def test_lane_explorer_walks_the_local_lanes_page_and_writes_its_report(tmp_path):
    store = RunStore.new(Project(tmp_path), "lab-explore")
    plan = LaneActorPlan.resolve(LabActor(kind="explore", timeoutMs=120000), environ={})
    with serve_todo_app("defective") as url, launch_chromium(CHROMIUM) as launched:
        page = launched.new_context(DESKTOP).new_page()
        page.goto(url)
        report = run_lane_actor(plan, PageLane(page), store=store, stream_id="lane-1", persona=persona("hasty", patience="low"),
                                scenario=None, goal="")
    assert report.kind == "explore" and report.status == "failed"
    written = json.loads(store.path("actors/lane-1.json").read_text())
    assert any(f["kind"] == "dead_control" for f in written["exploration"]["findings"])


def test_lane_explorer_on_a_screen_without_a_page_is_blocked_and_says_why(tmp_path):
    store = RunStore.new(Project(tmp_path), "lab-explore")
    plan = LaneActorPlan.resolve(LabActor(kind="explore"), environ={})
    report = run_lane_actor(plan, ScreenOnlyLane(), store=store, stream_id="lane-1", persona=None, scenario=None, goal="")
    assert report.status == "blocked" and "not built yet" in report.reason
    assert json.loads(store.path("actors/lane-1.json").read_text())["kind"] == "explore"
