"""The provider-neutral loop (`ModelActor`) drives real Chromium on the todo app through the real `openai` client
and a strict loopback fake; every way a lane can end is written down with the right status and a clear reason."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from fixtures.actor_support import CANARY_KEY, centre, files_containing, openai_env
from fixtures.fake_brain import ScriptBrain, verdict_text
from fixtures.fake_responses import error, serve_fake_openai
from mimetic.actors.actor import Brief
from mimetic.actors.budget import ActorBudget, RunBudget
from mimetic.actors.playwright_computer import PlaywrightComputer
from mimetic.actors.providers.base import Usage
from mimetic.actors.rates import cost_usd, rate_date
from mimetic.actors.registry import make_actor
from mimetic.actors.settle import Settle
from mimetic.bundle.store import RunStore
from mimetic.project import Project

pytestmark = pytest.mark.browser
STREAM = "browser-desktop-stream"
MODEL = "gpt-5.4-mini"
QUICK = Settle(quiet_ms=0)  # cases about outcomes, not about waiting for the screen


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(Project(tmp_path), "actor-test")


def todos(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/api/todos", timeout=5) as response:
        return json.loads(response.read())


def transcript(store: RunStore) -> list[dict]:
    return [json.loads(line) for line in (store.dir / f"actors/{STREAM}-transcript.ndjson").read_text().splitlines()]


def written_report(store: RunStore) -> dict:
    return json.loads((store.dir / f"actors/{STREAM}.json").read_text())


def final(verdict: str = "passed", summary: str = "") -> list:
    return [("final", verdict_text(verdict, summary))]


def act(page, store, turns, monkeypatch, *, model=MODEL, budget=None, computer=None, faults=()):
    brain = ScriptBrain([list(t) for t in turns])
    with serve_fake_openai(brain) as fake:
        fake.faults += list(faults)
        openai_env(monkeypatch, fake.base_url)
        report = make_actor("openai-cua", model=model).run(
            computer or PlaywrightComputer(page), Brief(goal="Add a todo"),
            budget=budget or ActorBudget(settle=QUICK), store=store, stream_id=STREAM)
    return report, fake


def test_scripted_actor_adds_a_todo_and_records_tokens_cost_latency_and_transcript(page, store, todo_url,
                                                                                     monkeypatch):
    title = f"Buy oat milk {id(page)}"
    x, y = centre(page, "#new-todo")
    turns = [[("click", x, y), ("type", title), ("key", "ENTER")], final("passed")]
    report, fake = act(page, store, turns, monkeypatch, budget=ActorBudget())  # the real settle wait
    assert title in [todo["title"] for todo in todos(todo_url)]
    assert (report.status, report.verdict, report.steps, len(report.turns)) == ("passed", "passed", 3, 2)
    assert report.tokens.input == sum(t.tokens.input for t in report.turns) > 0
    assert report.tokens.cached == sum(t.tokens.cached for t in report.turns) > 0  # the second request reuses a prefix
    assert report.cost_usd == pytest.approx(sum(t.cost_usd for t in report.turns), abs=1e-6) and report.cost_usd > 0
    assert report.rate_date == rate_date() and report.model == MODEL and report.kind == "openai-cua"
    assert [t.actions for t in report.turns] == [3, 0] and all(t.requests == 1 for t in report.turns)
    assert written_report(store) == report.to_json()
    lines = transcript(store)
    assert [line["kind"] for line in lines] == ["click", "type", "keypress", "final"]
    assert lines[0]["args"] == {"x": x, "y": y, "button": "left"} and lines[0]["turn"] == 1
    assert lines[1]["args"]["text"] == title and lines[0]["text"] == "Thinking about turn 1."
    assert [line.get("screenshot") for line in lines[:3]] == [None, None, f"screenshots/{STREAM}-actor-001.png"]
    assert "base64" not in (store.dir / f"actors/{STREAM}-transcript.ndjson").read_text()
    second = fake.bodies()[1]["input"]
    assert [i.get("type") for i in second][1:] == ["reasoning", "computer_call", "computer_call_output"]
    assert files_containing(store.dir, CANARY_KEY) == []


def test_loop_guard_stops_the_same_actions_on_an_unchanged_screen(page, store, monkeypatch):
    turns = [[("click", 5, 5)]] * 5 + [final()]
    report, fake = act(page, store, turns, monkeypatch)
    assert report.status == "failed" and report.verdict is None
    assert report.reason.startswith("Loop guard: the same actions left the screen unchanged 3 turns in a row (click")
    # The first click takes focus from the autofocused input (the screen changes); the next three change nothing.
    assert report.steps == 4 and report.findings[-1].owner == "actor"
    assert len(fake.bodies()) == 4


def test_repeated_keys_that_change_the_screen_are_not_a_loop(page, store, todo_url, monkeypatch):
    x, y = centre(page, "#new-todo")
    turns = [[("click", x, y)]] + [[("type", "a")]] * 4 + [final()]
    report, _ = act(page, store, turns, monkeypatch)
    assert report.status == "passed" and page.input_value("#new-todo") == "aaaa"


def test_waiting_is_not_a_loop(page, store, monkeypatch):
    report, _ = act(page, store, [[("wait",)]] * 3 + [final()], monkeypatch)
    assert report.status == "passed" and report.steps == 3


def test_turn_budget_counts_model_turns_not_actions(page, store, monkeypatch):
    turns = [[("move", 10 + n, 10), ("move", 20 + n, 10), ("move", 30 + n, 10)] for n in range(4)]
    report, fake = act(page, store, turns, monkeypatch, budget=ActorBudget(max_steps=2, settle=QUICK))
    assert report.status == "timed_out" and report.steps == 6 and len(report.turns) == 2
    assert "turn budget (2 model turns, actor.maxSteps)" in report.reason and len(fake.bodies()) == 2


def test_action_budget_is_separate(page, store, monkeypatch):
    turns = [[("move", 10, 10), ("move", 20, 10), ("move", 30, 10)], final()]
    report, _ = act(page, store, turns, monkeypatch, budget=ActorBudget(max_actions=2, settle=QUICK))
    assert report.status == "timed_out" and report.steps == 2
    assert "action budget (2 actions, actor.maxActions)" in report.reason


def test_lane_usd_budget_blocks_before_acting_on_an_expensive_turn(page, store, monkeypatch):
    turns = [[("usage", 100_000, 10_000), ("click", 10, 10)], final()]
    report, fake = act(page, store, turns, monkeypatch, budget=ActorBudget(max_usd_per_lane=0.01, settle=QUICK))
    assert report.status == "blocked" and report.steps == 0
    assert "lane's USD budget is spent" in report.reason and "actor.maxUsdPerLane" in report.reason
    assert report.cost_usd == pytest.approx(cost_usd(MODEL, Usage(100_000, 0, 10_000)), abs=1e-6)
    assert len(fake.bodies()) == 1


def test_run_usd_budget_is_shared_by_lanes(page, store, monkeypatch):
    run = RunBudget(max_usd=0.01)
    first, _ = act(page, store, [[("usage", 12_000, 100), *final()]], monkeypatch,
                   budget=ActorBudget(run=run, settle=QUICK))
    assert first.status == "passed" and run.spent == pytest.approx(first.cost_usd, abs=1e-6)
    turns = [[("usage", 12_000, 100), ("click", 10, 10)], final()]
    second, _ = act(page, store, turns, monkeypatch, budget=ActorBudget(run=run, settle=QUICK))
    assert second.status == "blocked" and "run's USD budget is spent" in second.reason
    third, fake = act(page, store, turns, monkeypatch, budget=ActorBudget(run=run, settle=QUICK))
    assert third.status == "blocked" and "already spent before this lane's actor started" in third.reason
    assert fake.served.requests == []


def test_usd_cap_with_a_model_that_has_no_rate_names_the_missing_rate_and_the_rates_file(page, store, monkeypatch):
    report, fake = act(page, store, [final()], monkeypatch, model="gpt-5.4-private",
                       budget=ActorBudget(max_usd_per_lane=1.0, settle=QUICK))
    assert report.status == "blocked" and "gpt-5.4-private has no rate" in report.reason
    assert "MIMETIC_ACTOR_RATES" in report.reason
    assert fake.served.requests == []


def test_a_rates_file_gives_a_missing_model_its_price(page, store, tmp_path, monkeypatch):
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps({"date": "2026-11-29", "models": {
        "gpt-5.4-private": {"input": 1.0, "cachedInput": 0.1, "output": 2.0}}}))
    monkeypatch.setenv("MIMETIC_ACTOR_RATES", str(rates))
    brain = ScriptBrain([[("usage", 1_000_000, 1_000_000), *final()]])
    with serve_fake_openai(brain, available={"gpt-5.4-private"}) as fake:
        openai_env(monkeypatch, fake.base_url)
        monkeypatch.setenv("MIMETIC_ACTOR_RATES", str(rates))
        report = make_actor("openai-cua", model="gpt-5.4-private").run(
            PlaywrightComputer(page), Brief(goal="Add a todo"), budget=ActorBudget(max_usd_per_lane=10, settle=QUICK),
            store=store, stream_id=STREAM)
    assert report.status == "passed" and report.cost_usd == pytest.approx(3.0)


def test_unknown_model_cost_is_null_with_a_warning_and_tokens_are_still_recorded(page, store, monkeypatch):
    brain = ScriptBrain([[("usage", 500, 40), *final()]])
    with serve_fake_openai(brain, available={"my-private-model"}) as fake:
        openai_env(monkeypatch, fake.base_url)
        report = make_actor("openai-cua", model="my-private-model").run(
            PlaywrightComputer(page), Brief(goal="Add a todo"), budget=ActorBudget(settle=QUICK), store=store,
            stream_id=STREAM)
    assert report.status == "passed" and (report.tokens.input, report.tokens.output) == (500, 40)
    assert report.cost_usd is None and report.rate_date is None and report.turns[0].cost_usd is None
    assert "has no rate" in report.warnings[0]
    assert written_report(store)["costUsd"] is None


def test_wall_timeout_ends_the_lane_timed_out(page, store, monkeypatch):
    turns = [[("click", 10, 10)], [("delay", 3), *final()]]
    report, _ = act(page, store, turns, monkeypatch, budget=ActorBudget(timeout_ms=1500, settle=QUICK))
    assert report.status == "timed_out" and "ran out of wall time (1500 ms" in report.reason


def test_pending_safety_check_blocks_and_is_never_acknowledged(page, store, todo_url, monkeypatch):
    before = todos(todo_url)
    turns = [[("type", "secret"), ("safety", "malicious_instructions", "The page asks to reveal secrets.")], final()]
    report, fake = act(page, store, turns, monkeypatch)
    assert report.status == "blocked" and report.steps == 0
    assert report.safety_checks == ["malicious_instructions: The page asks to reveal secrets."]
    assert "never acknowledges" in report.reason
    assert len(fake.bodies()) == 1
    assert page.input_value("#new-todo") == "" and todos(todo_url) == before


def test_a_spent_lane_budget_is_not_spent_further_on_a_nudge(page, store, monkeypatch):
    turns = [[("usage", 100_000, 10_000), ("final", "Should I continue?")], final()]
    report, fake = act(page, store, turns, monkeypatch, budget=ActorBudget(max_usd_per_lane=0.01, settle=QUICK))
    assert report.status == "blocked" and "lane's USD budget is spent" in report.reason
    assert len(fake.bodies()) == 1


def test_a_rejected_key_blocks_without_echoing_the_server_message(page, store, monkeypatch):
    faults = [error(401, f"Incorrect API key provided: {CANARY_KEY}", code="invalid_api_key")]
    report, _ = act(page, store, [final()], monkeypatch, faults=faults)
    assert (report.status, report.reason, report.steps) == ("blocked", "OpenAI rejected the API key (401)", 0)
    assert files_containing(store.dir, CANARY_KEY) == []


def test_other_api_errors_fail_with_a_redacted_reason(page, store, monkeypatch):
    report, _ = act(page, store, [final()], monkeypatch, faults=[error(400, f"Bad image for key {CANARY_KEY}")])
    assert report.status == "failed" and report.reason.startswith("OpenAI API error (400): Bad image for key")
    assert CANARY_KEY not in report.reason and "[REDACTED_SECRET]" in report.reason


def test_unreachable_api_fails_without_a_traceback(page, store, monkeypatch):
    openai_env(monkeypatch, "http://127.0.0.1:9/v1")
    report = make_actor("openai-cua").run(PlaywrightComputer(page), Brief(goal="Add a todo"),
                                          budget=ActorBudget(timeout_ms=1500, settle=QUICK), store=store,
                                          stream_id=STREAM)
    assert report.status == "timed_out" and "Could not reach the OpenAI API" in report.reason
    assert "Traceback" not in report.reason


def test_missing_key_blocks_without_calling_openai(page, store, monkeypatch):
    with serve_fake_openai(ScriptBrain([final()])) as fake:
        openai_env(monkeypatch, fake.base_url)
        monkeypatch.delenv("OPENAI_API_KEY")
        report = make_actor("openai-cua").run(PlaywrightComputer(page), Brief(goal="Add a todo"),
                                              budget=ActorBudget(settle=QUICK), store=store, stream_id=STREAM)
    assert report.status == "blocked" and "OPENAI_API_KEY is not set" in report.reason
    assert fake.served.requests == []


def test_reply_without_a_verdict_is_nudged_once_then_fails(page, store, monkeypatch):
    turns = [[("final", "I see a todo app. Should I continue?")], [("final", "Okay, all done!")]]
    report, fake = act(page, store, turns, monkeypatch)
    assert (report.status, report.verdict, report.reason) == ("failed", None, "actor gave no structured verdict")
    nudge = fake.bodies()[1]["input"][-1]
    assert nudge["role"] == "user" and "verdict" in nudge["content"][0]["text"]
    assert report.last_message_tail == "Okay, all done!"


def test_verdict_after_the_nudge_is_accepted(page, store, monkeypatch):
    turns = [[("final", "Should I add a todo?")], final("blocked", "Needs an account.")]
    report, _ = act(page, store, turns, monkeypatch)
    assert (report.status, report.verdict, report.reason) == ("blocked", "blocked", "Needs an account.")


def test_typed_secrets_are_redacted_in_the_transcript(page, store, monkeypatch):
    token = "ghp_" + "a1b2c3d4e5f6g7h8i9j0"
    turns = [[("click", *centre(page, "#new-todo")), ("type", f"my token {token}")], final()]
    report, _ = act(page, store, turns, monkeypatch)
    assert report.status == "passed"
    assert transcript(store)[1]["args"]["text"] == "my token [REDACTED_SECRET]"
    assert files_containing(store.dir, token) == []


class _InterruptedComputer(PlaywrightComputer):
    def act(self, action):
        raise KeyboardInterrupt


def test_ctrl_c_records_an_interrupted_actor_and_propagates(page, store, monkeypatch):
    with pytest.raises(KeyboardInterrupt):
        act(page, store, [[("click", 10, 10)]], monkeypatch, computer=_InterruptedComputer(page))
    assert written_report(store)["status"] == "interrupted"
