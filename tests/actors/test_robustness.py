"""The loop under a real network's failures, through real SDK clients and strict fakes: a brief rate limit is
retried inside the deadline, one that outlasts the deadline ends `timed_out`, an exhausted quota ends `blocked`
saying so; a 40-turn session keeps every request bounded and its trace carries per-turn tokens, cost and latency,
which `mimetic stats` sums."""

from __future__ import annotations

import json
from pathlib import Path

import openai  # noqa: F401 - imported up front: a cold SDK import on a loaded machine must not eat the deadline
import pytest

from conftest import Cli
from fixtures.actor_support import anthropic_env, compatible_env, openai_env
from fixtures.fake_anthropic import credit_exhausted, serve_fake_anthropic
from fixtures.fake_anthropic import rate_limited as anthropic_rate_limited
from fixtures.fake_brain import ScriptBrain, WanderBrain, verdict_text
from fixtures.fake_chat import serve_fake_chat
from fixtures.fake_responses import error, insufficient_quota, rate_limited, serve_fake_openai
from mimetic.actors.actor import Brief
from mimetic.actors.budget import ActorBudget
from mimetic.actors.playwright_computer import PlaywrightComputer
from mimetic.actors.registry import make_actor
from mimetic.actors.settle import Settle
from mimetic.bundle.store import RunStore
from mimetic.project import Project

pytestmark = pytest.mark.browser
STREAM = "browser-desktop-stream"
QUICK = Settle(quiet_ms=0)
# Three kept screenshots of the 1440x960 todo page plus one short note per older turn stay far below this;
# a history that kept every screenshot would pass it within a dozen turns.
MAX_REQUEST_BYTES = 400_000


FAKES = {"openai-cua": (serve_fake_openai, openai_env), "anthropic": (serve_fake_anthropic, anthropic_env),
         "openai-compatible": (serve_fake_chat, compatible_env)}


def run(page, tmp_path: Path, brain, monkeypatch, *, faults=(), budget=None, kind="openai-cua", model=None):
    serve_fake, env = FAKES[kind]
    store = RunStore(Project(tmp_path / "project"), "robust-run")
    with serve_fake(brain) as fake:
        fake.faults += list(faults)
        env(monkeypatch, fake.base_url)
        report = make_actor(kind, model=model).run(PlaywrightComputer(page), Brief(goal="Look around"),
                                      budget=budget or ActorBudget(settle=QUICK), store=store, stream_id=STREAM)
    return report, fake, store


def test_a_rate_limit_then_success_is_retried_and_the_lane_finishes(page, tmp_path, monkeypatch):
    brain = ScriptBrain([[("move", 10, 10)], [("final", verdict_text("passed"))]])
    report, fake, _ = run(page, tmp_path, brain, monkeypatch, faults=[rate_limited(), rate_limited()])
    assert report.status == "passed"
    assert [t.requests for t in report.turns] == [3, 1]  # two 429s, then the answer, for the first turn
    assert len(fake.bodies()) == 4
    assert [i.get("role") for i in fake.bodies()[2]["input"]] == ["user"]  # a retry sends the opening once


def test_a_server_error_is_retried_too(page, tmp_path, monkeypatch):
    brain = ScriptBrain([[("final", verdict_text("passed"))]])
    report, _, _ = run(page, tmp_path, brain, monkeypatch, faults=[error(503, "The server is overloaded.", type_="server_error")])
    assert report.status == "passed" and report.turns[0].requests == 2


def test_a_rate_limit_that_outlasts_the_deadline_ends_timed_out(page, tmp_path, monkeypatch):
    faults = [rate_limited(retry_after_ms=200) for _ in range(200)]
    report, fake, _ = run(page, tmp_path, ScriptBrain([]), monkeypatch, faults=faults,
                          budget=ActorBudget(timeout_ms=2500, settle=QUICK))
    assert report.status == "timed_out" and "ran out of wall time (2500 ms" in report.reason
    assert "rate limited" in report.reason
    assert 3 <= len(fake.served.requests) < 20  # retried with the server's pause, not hammered


def test_an_exhausted_quota_blocks_at_once_and_says_quota(page, tmp_path, monkeypatch):
    report, fake, _ = run(page, tmp_path, ScriptBrain([]), monkeypatch, faults=[insufficient_quota()])
    assert report.status == "blocked" and "quota" in report.reason and "insufficient_quota" in report.reason
    assert len(fake.served.requests) == 1  # never retried


def test_anthropic_rate_limits_are_retried_and_a_spent_credit_balance_blocks(page, tmp_path, monkeypatch):
    brain = ScriptBrain([[("final", verdict_text("passed"))]])
    report, _, _ = run(page, tmp_path, brain, monkeypatch, faults=[anthropic_rate_limited()], kind="anthropic")
    assert report.status == "passed", report.reason
    assert report.turns[0].requests == 2
    report, fake, _ = run(page, tmp_path / "b", ScriptBrain([]), monkeypatch, faults=[credit_exhausted()],
                          kind="anthropic")
    assert report.status == "blocked" and "quota" in report.reason and len(fake.served.requests) == 1


def test_a_40_turn_session_keeps_requests_bounded_and_stats_sums_its_turns(page, tmp_path, monkeypatch):
    brain = WanderBrain(turns=40)
    report, fake, store = run(page, tmp_path, brain, monkeypatch, budget=ActorBudget(max_steps=40, settle=QUICK))
    assert report.status == "passed" and len(report.turns) == 40

    sizes = fake.sizes()
    assert len(sizes) == 40 and max(sizes) < MAX_REQUEST_BYTES
    last = json.dumps(fake.bodies()[-1])
    assert last.count("data:image/png;base64,") == 3  # the newest three screenshots, the rest are notes
    assert max(sizes[10:]) < 1.5 * max(sizes[3:6])  # no growth with the number of turns beyond the notes

    assert all(t.latency_ms >= 0 and t.tokens.input > 0 and t.cost_usd is not None for t in report.turns)
    assert sum(t.tokens.cached for t in report.turns) > 0  # the replayed prefix is reported as cached
    trace = json.loads((store.dir / f"actors/{STREAM}.json").read_text())
    assert len(trace["turns"]) == 40 and {"tokens", "costUsd", "latencyMs", "requests"} <= set(trace["turns"][0])

    store.write_json("run.json", {"createdAt": "2026-11-29T08:00:00Z", "review": {"verdict": "pass"}})
    stats = Cli(tmp_path / "project")("stats", "--json").json()
    turns = trace["turns"]
    assert stats["tokens"] == {"input": sum(t["tokens"]["input"] for t in turns),
                               "output": sum(t["tokens"]["output"] for t in turns),
                               "cached": sum(t["tokens"]["cached"] for t in turns)}
    assert stats["costUsd"] == pytest.approx(sum(t["costUsd"] for t in turns), abs=1e-5)
    assert stats["modelTurns"] == 40 and stats["modelLatencyMs"] == sum(t["latencyMs"] for t in turns)


def test_malformed_action_json_is_repaired_or_sent_back_once(page, tmp_path, monkeypatch):
    fenced = '```json\n{"actions": [{"action": "move", "x": 5, "y": 5},]}\n```'  # a fence and a trailing comma
    brain = ScriptBrain([[("raw", fenced)], [("raw", "move the mouse to 5, 5")], [("move", 9, 9)],
                         [("final", verdict_text("passed"))]])
    report, fake, _ = run(page, tmp_path, brain, monkeypatch, kind="openai-compatible", model="ui-tars-1.5-7b")
    assert report.status == "passed", report.reason
    assert report.steps == 2 and len(report.turns) == 3  # the malformed answer and its retry are one turn
    sent_back = fake.bodies()[2]["messages"][-1]
    assert sent_back["role"] == "tool" and "could not be used" in sent_back["content"]


def test_malformed_action_json_twice_fails_the_lane_saying_why(page, tmp_path, monkeypatch):
    brain = ScriptBrain([[("raw", "{broken")], [("raw", "[]")]])
    report, _, _ = run(page, tmp_path, brain, monkeypatch, kind="openai-compatible", model="ui-tars-1.5-7b")
    assert report.status == "failed" and report.reason.startswith("The model sent malformed actions twice")
