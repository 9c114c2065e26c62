"""The actor in a live lane: the host-side loop drives an E2B desktop (a duck-typed fake of the SDK, as
E2B's cloud is beyond this machine) while the model key stays on the host; required-actor semantics;
and the preflight that turns a bad key or quota into a reason before any sandbox starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.actor_support import CANARY_KEY, files_containing, openai_env
from fixtures.fake_e2b import make_fake_sandbox, stop_all
from fixtures.fake_brain import ScriptBrain, verdict_text
from fixtures.fake_responses import error, insufficient_quota, serve_fake_openai
from mimetic.actors.lane_actor import LaneActorPlan, lane_outcome, run_lane_actor
from mimetic.actors.preflight import preflight_actor
from mimetic.bundle.store import RunStore
from mimetic.contracts.manifests import LabActor
from mimetic.errors import MimeticError
from mimetic.lanes.e2b import E2BSubstrate
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project

STREAM = "oss-01-desktop"
LAB_ACTOR = LabActor(kind="openai-cua", max_steps=10)


@pytest.fixture
def fake(tmp_path):
    cls = make_fake_sandbox(tmp_path / "e2b", canaries=[CANARY_KEY])
    yield cls
    stop_all(cls)


@pytest.fixture
def store(project: Path) -> RunStore:
    return RunStore(Project(project), "lane-actor-run")


def launch(project: Path, fake, env: dict[str, str]):
    wheel = project / "fake.whl"
    wheel.write_bytes(b"PK not a wheel")
    substrate = E2BSubstrate(project=Project(project), run_id="lane-actor-run", sandbox_factory=fake,
                             wheel=lambda: wheel)
    return substrate.launch(LaneSpec(run_id="lane-actor-run", index=0, label="repo-01", repo="fixture/todo",
                                     stream_id=STREAM, sim_id="oss-01", env=env))


def test_required_actor_drives_the_desktop_from_the_host_and_the_key_never_enters_the_sandbox(
        project, fake, store, monkeypatch):
    brain = ScriptBrain([[("click", 0, 40)], [("type", "hello")], [("key", "ENTER")],
                         [("final", verdict_text("passed"))]])
    with serve_fake_openai(brain, available={"computer-use-preview"}) as api:
        openai_env(monkeypatch, api.base_url)
        monkeypatch.setenv("MIMETIC_OSS_META_REQUIRE_ACTOR", "1")
        monkeypatch.setenv("MIMETIC_OSS_META_ACTOR_TIMEOUT_MS", "60000")
        monkeypatch.setenv("MIMETIC_ACTOR_MODEL", "computer-use-preview")
        plan = LaneActorPlan.resolve(LAB_ACTOR)
        lane = launch(project, fake, plan.forwarded_env())
        report = run_lane_actor(plan, lane, store=store, stream_id=STREAM, persona=None, scenario=None,
                                goal="Add a todo in the app on this desktop")
    assert report.status == "passed" and report.steps == 3
    sandbox = next(iter(fake.registry.values()))
    performed = [a for a in sandbox.actions if a[0] != "screenshot"]
    assert performed == [("move_mouse", 0, 40), ("left_click", None, None), ("write", "hello"), ("press", "enter")]
    assert sandbox.envs["MIMETIC_OSS_META_REQUIRE_ACTOR"] == "1" and "OPENAI_API_KEY" not in sandbox.envs
    assert CANARY_KEY not in json.dumps(fake.create_calls)
    tool = api.bodies()[0]["tools"][0]
    assert (tool["environment"], tool["display_width"], tool["display_height"]) == ("linux", 1440, 960)
    assert lane_outcome("passed", "Lane passed.", report, plan) == ("passed", "Lane passed.")
    assert files_containing(project / ".mimetic", CANARY_KEY) == []


def test_a_required_actor_that_did_not_pass_blocks_the_lane_and_an_optional_one_does_not(
        project, fake, store, monkeypatch):
    with serve_fake_openai(ScriptBrain([])) as api:
        api.faults.append(error(401, "bad key", code="invalid_api_key"))
        openai_env(monkeypatch, api.base_url)
        optional = LaneActorPlan.resolve(LAB_ACTOR)
        report = run_lane_actor(optional, launch(project, fake, {}), store=store, stream_id=STREAM, persona=None,
                                scenario=None, goal="Use the app")
    assert report.status == "blocked" and report.reason == "OpenAI rejected the API key (401)"
    assert lane_outcome("passed", "ok", report, optional) == ("passed", "ok")
    monkeypatch.setenv("MIMETIC_OSS_META_REQUIRE_ACTOR", "1")
    required = LaneActorPlan.resolve(LAB_ACTOR)
    status, reason = lane_outcome("passed", "ok", report, required)
    assert status == "blocked"
    assert reason == "The lane's required actor did not pass (actor blocked: OpenAI rejected the API key (401))."
    assert lane_outcome("failed", "app crashed", report, required) == ("failed", "app crashed")
    assert lane_outcome("passed", "ok", None, required)[0] == "blocked"


def test_failed_preflight_blocks_the_actor_without_touching_the_desktop(project, fake, store, monkeypatch):
    with serve_fake_openai(ScriptBrain([]), available={"gpt-5.5"}) as api:
        openai_env(monkeypatch, api.base_url)
        plan = LaneActorPlan.resolve(LAB_ACTOR)  # the default gpt-5.4-mini is not available to this key
        pre = plan.preflight()
        lane = launch(project, fake, {})
        report = run_lane_actor(plan, lane, store=store, stream_id=STREAM, persona=None, scenario=None,
                                goal="Use the app", preflight=pre)
    assert (pre.status, pre.ok) == ("blocked", False)
    assert pre.reason.startswith("Actor preflight: OpenAI: The model 'gpt-5.4-mini' does not exist")
    assert report.status == "blocked" and report.reason == pre.reason and report.cost_usd == 0.0
    assert next(iter(fake.registry.values())).actions == []
    assert json.loads((store.dir / f"actors/{STREAM}.json").read_text())["status"] == "blocked"


def test_preflight_retrieves_the_actor_model_without_a_model_turn_and_reports_each_outcome(monkeypatch):
    with serve_fake_openai(ScriptBrain([])) as api:
        openai_env(monkeypatch, api.base_url)
        passed = preflight_actor()
        gone = preflight_actor(model="computer-use-preview-2024-shut-down")
    assert passed.status == "passed" and passed.ok and passed.model == "gpt-5.4-mini"
    assert [(r.method, r.path) for r in api.served.requests] == [
        ("GET", "/v1/models/gpt-5.4-mini"), ("GET", "/v1/models/computer-use-preview-2024-shut-down")]
    assert gone.status == "blocked" and "does not exist" in gone.reason

    with serve_fake_openai(ScriptBrain([])) as api:
        api.faults += [error(401, f"Incorrect API key provided: {CANARY_KEY}", code="invalid_api_key"),
                       insufficient_quota()]
        openai_env(monkeypatch, api.base_url)
        rejected, broke = preflight_actor(), preflight_actor()
    assert (rejected.status, rejected.reason) == ("blocked", "Actor preflight: OpenAI rejected the API key (401)")
    assert broke.status == "blocked" and "quota exhausted" in broke.reason

    with serve_fake_openai(ScriptBrain([])) as api:
        openai_env(monkeypatch, api.base_url)
        monkeypatch.delenv("OPENAI_API_KEY")
        missing = preflight_actor()
        monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
        monkeypatch.setenv("MIMETIC_OSS_META_SKIP_ACTOR_PREFLIGHT", "1")
        skipped = preflight_actor()
    assert missing.status == "blocked" and "OPENAI_API_KEY is not set" in missing.reason
    assert skipped.status == "skipped" and skipped.ok
    assert api.served.requests == []


def test_plan_flags_keep_their_meaning_and_only_public_flags_are_forwarded():
    environ = {"MIMETIC_OSS_META_ACTOR_FIRST": "1", "MIMETIC_OSS_META_ACTOR_TIMEOUT_MS": "90000",
               "OPENAI_API_KEY": CANARY_KEY, "MIMETIC_ACTOR_MODEL": "computer-use-preview-2025-03-11"}
    plan = LaneActorPlan.resolve(None, environ)
    assert (plan.enabled, plan.first, plan.required, plan.model) == (True, True, False,
                                                                      "computer-use-preview-2025-03-11")
    assert plan.forwarded_env(environ) == {"MIMETIC_OSS_META_ACTOR_FIRST": "1",
                                           "MIMETIC_OSS_META_ACTOR_TIMEOUT_MS": "90000",
                                           "MIMETIC_ACTOR_MODEL": "computer-use-preview-2025-03-11"}
    assert not LaneActorPlan.resolve(None, {}).enabled
    assert LaneActorPlan.resolve(LabActor(kind="openai-cua", max_usd_per_run=3), {}).run_budget.max_usd == 3
    assert LaneActorPlan.resolve(None, {}).model == "gpt-5.4-mini"
    with pytest.raises(MimeticError) as caught:
        LaneActorPlan.resolve(None, {"MIMETIC_OSS_META_ACTOR_TIMEOUT_MS": "four minutes"})
    assert caught.value.code == "MIMETIC_INVALID_ENV"


class _Screenless:
    id = "local-1"

    def computer(self):
        return None


def test_a_lane_without_a_screen_records_a_blocked_actor(store):
    report = run_lane_actor(LaneActorPlan.resolve(LAB_ACTOR, {}), _Screenless(), store=store, stream_id=STREAM,
                            persona=None, scenario=None, goal="Use the app")
    assert report.status == "blocked" and "no screen" in report.reason
