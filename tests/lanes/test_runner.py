"""The lane state machine on a fake substrate: transitions, isolation, fan-out, timeouts, interrupts."""

from __future__ import annotations

import json
import threading

from lanes.lane_fakes import Behaviour, FakeSubstrate

from mimetic.bundle.verify import verify_store
from mimetic.lanes.receipts import read_receipts


def _events(store) -> list[dict]:
    return [json.loads(line) for line in (store.dir / "events.ndjson").read_text().splitlines()]


def test_every_lane_walks_queued_preparing_running_passed_and_each_step_is_on_disk(lane_harness):
    substrate = FakeSubstrate(Behaviour(duration_s=0.05))
    h = lane_harness(substrate, 2)
    queued = json.loads((h.store.dir / "run.json").read_text())
    assert [s["status"] for s in queued["simulations"]] == ["queued", "queued"]

    outcome = h.runner.run(h.jobs, concurrency=2)

    assert [r.status for r in outcome.results] == ["passed", "passed"] and not outcome.interrupted
    types = [(e["type"], e["simId"]) for e in _events(h.store)]
    for sim in ("oss-01", "oss-02"):
        lane = [t for t, s in types if s == sim]
        assert lane.index("oss-meta.lane.preparing") < lane.index("oss-meta.sandbox.created") \
            < lane.index("oss-meta.bootstrap.started") < lane.index("oss-meta.bootstrap.passed")
    bundle = json.loads((h.store.dir / "run.json").read_text())
    stream = bundle["streams"][0]
    assert stream["status"] == "passed" and stream["completion"]["status"] == "passed"
    assert stream["embed"] == {"kind": "screenshot", "url": "../screenshots/oss-01-desktop.png",
                               "title": "fixture/todo app screenshot"}
    assert (h.store.dir / "screenshots" / "oss-01-desktop.png").is_file()
    assert all(sandbox.closed for sandbox in substrate.sandboxes)
    assert verify_store(h.board.store.project, h.store, "lanes-test").ok


def test_a_receipt_line_exists_for_every_sandbox_as_soon_as_it_is_created(lane_harness):
    seen_before_bootstrap = []

    class Recording(FakeSubstrate):
        def launch(self, spec):
            sandbox = super().launch(spec)
            original = sandbox.start_bootstrap

            def start(script, env):
                seen_before_bootstrap.append(sandbox.id in {r.sandbox_id for r in read_receipts(h.store.dir)})
                original(script, env)

            sandbox.start_bootstrap = start
            return sandbox

    h = lane_harness(Recording(Behaviour()), 3)
    h.runner.run(h.jobs, concurrency=3)
    receipts = read_receipts(h.store.dir)
    assert sorted(r.sandbox_id for r in receipts) == ["fake-oss-01", "fake-oss-02", "fake-oss-03"]
    assert {r.substrate for r in receipts} == {"fake"} and seen_before_bootstrap == [True, True, True]


def test_a_lane_that_raises_is_failed_with_a_redacted_reason_and_the_others_pass(lane_harness):
    secret = "sk-" + "a" * 30
    substrate = FakeSubstrate(Behaviour(duration_s=0.05), per_lane={1: Behaviour(raise_on_read=f"disk gone {secret}")})
    h = lane_harness(substrate, 3)
    outcome = h.runner.run(h.jobs, concurrency=3)
    assert [r.status for r in outcome.results] == ["passed", "failed", "passed"]
    assert outcome.results[1].reason.startswith("Lane failed: disk gone") and secret not in outcome.results[1].reason
    assert secret not in (h.store.dir / "run.json").read_text()
    assert all(sandbox.closed for sandbox in substrate.sandboxes)


def test_a_bootstrap_launcher_failure_fails_only_that_lane(lane_harness):
    h = lane_harness(FakeSubstrate(Behaviour(), per_lane={0: Behaviour(launcher_raises=True)}), 2)
    outcome = h.runner.run(h.jobs, concurrency=2)
    assert [r.status for r in outcome.results] == ["failed", "passed"]
    assert outcome.results[0].reason == "Bootstrap launcher failed: could not open a terminal"
    assert h.board.sim(0).progress == 8  # failed without a completion


def test_a_lane_that_never_completes_times_out(lane_harness):
    h = lane_harness(FakeSubstrate(Behaviour(never_completes=True)), 1, timeout_s=0.2)
    outcome = h.runner.run(h.jobs, concurrency=1)
    assert outcome.results[0].status == "timed_out"
    assert "did not complete within 0.2s" in outcome.results[0].reason


def test_sixteen_lanes_at_concurrency_eight_run_eight_at_a_time(lane_harness):
    # Lanes finish only once eight are open at the same moment: the pool must really run eight at once,
    # and never a ninth (measured by open sandboxes, not by wall time, which a busy machine stretches).
    release = threading.Event()
    substrate = FakeSubstrate(Behaviour(release=release))
    h = lane_harness(substrate, 16)

    def release_when_eight_are_open():
        substrate.wait_open(8, timeout=120)
        release.set()

    threading.Thread(target=release_when_eight_are_open, daemon=True).start()
    outcome = h.runner.run(h.jobs, concurrency=8)
    assert [r.status for r in outcome.results] == ["passed"] * 16
    assert substrate.peak_open == 8 and substrate.open == 0


def test_a_stop_marks_running_lanes_interrupted_cancels_queued_ones_and_closes_sandboxes(lane_harness):
    substrate = FakeSubstrate(Behaviour(never_completes=True))
    h = lane_harness(substrate, 4, timeout_s=30)
    stop = threading.Event()
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    outcome = h.runner.run(h.jobs, concurrency=2, stop=stop)
    statuses = [r.status for r in outcome.results]
    assert statuses == ["interrupted"] * 4
    assert len(substrate.sandboxes) == 2 and all(s.closed for s in substrate.sandboxes)
    reasons = [r.reason for r in outcome.results]
    assert sum(r.startswith("Interrupted (Ctrl-C) during") for r in reasons) == 2
    assert sum(r == "Cancelled before launch (interrupted)." for r in reasons) == 2


def test_a_required_host_actor_that_cannot_see_the_lane_blocks_the_lane_and_leaves_its_report(lane_harness):
    from dataclasses import replace

    from mimetic.actors.lane_actor import LaneActorPlan
    from mimetic.actors.registry import make_actor

    h = lane_harness(FakeSubstrate(Behaviour()), 1)
    plan = LaneActorPlan(enabled=True, first=False, required=True,
                         actor=make_actor("openai-cua", model="computer-use-preview", environ={}))
    h.runner.settings = replace(h.runner.settings, actor=plan)
    outcome = h.runner.run(h.jobs, concurrency=1)
    result = outcome.results[0]
    assert result.status == "blocked" and result.reason.startswith("The lane's required actor did not pass")
    assert result.actor.status == "blocked"
    bundle = json.loads((h.store.dir / "run.json").read_text())
    stream = bundle["streams"][0]
    assert stream["ui"]["actorStatus"] == "blocked"
    assert {"label": "Actor report", "path": "actors/oss-01-desktop.json", "kind": "actor"} in stream["artifacts"]
    assert verify_store(h.board.store.project, h.store, "lanes-test").ok


def test_live_view_urls_reach_only_the_served_overlay_while_the_lane_runs(lane_harness):
    from lanes.lane_fakes import Behaviour, FakeSubstrate

    from mimetic.lanes.live_feeds import stream_urls

    secret_url = "https://6080-sbx.example/vnc.html?view_only=true&password=liveviewsecret"
    substrate = FakeSubstrate(default=Behaviour(duration_s=0.2, stream_url=secret_url))
    harness = lane_harness(substrate, 2)
    harness.runner.run(harness.jobs, concurrency=2)
    assert all(box.runtime_urls_seen.get(box.spec.stream_id) == secret_url for box in substrate.sandboxes)
    assert stream_urls.snapshot() == {}  # closed sandboxes leave no stale live view behind
    for path in harness.store.dir.rglob("*"):
        assert not path.is_file() or b"liveviewsecret" not in path.read_bytes()


def test_the_labs_persona_and_scenario_reach_each_lanes_actor(lane_harness, monkeypatch):
    import dataclasses

    from lanes.lane_fakes import FakeSubstrate

    from mimetic.actors import lane_actor
    from mimetic.contracts.evidence import ActorReport
    from mimetic.contracts.manifests import LabActor, Persona, Scenario

    calls = []

    def fake_actor(plan, sandbox, **kwargs):
        calls.append(kwargs)
        return ActorReport(id=kwargs["stream_id"], kind="openai-cua", status="passed", verdict="passed")

    monkeypatch.setattr(lane_actor, "run_lane_actor", fake_actor)
    persona = Persona.model_validate({"schema": "mimetic.persona.v1", "id": "pat", "name": "Pat"})
    scenario = Scenario.model_validate({"schema": "mimetic.scenario.v1", "id": "share", "title": "Share",
                                        "goal": "Share a list with a teammate."})
    harness = lane_harness(FakeSubstrate(), 1)
    plan = lane_actor.LaneActorPlan.resolve(LabActor(kind="openai-cua"), {})
    harness.runner.settings = dataclasses.replace(harness.runner.settings, actor=plan, persona=persona,
                                                  scenario=scenario)
    harness.runner.run(harness.jobs, concurrency=1)
    assert calls[0]["persona"] is persona and calls[0]["scenario"] is scenario
    assert "Share a list with a teammate." in calls[0]["goal"]
