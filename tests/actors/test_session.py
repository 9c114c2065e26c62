"""`run_actor` drives real Chromium on the todo app through the real `openai` client and a loopback fake,
and every way a lane can end is written down with the right status and a clear reason."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from fixtures.actor_support import CANARY_KEY, centre, files_containing, openai_env
from fixtures.fake_responses import (
    api_error, click, computer_call, final_message, keypress, serve_fake_responses, type_text, verdict_message, wait,
)
from mimetic.actors.budget import ActorBudget, RunBudget
from mimetic.actors.playwright_computer import PlaywrightComputer
from mimetic.actors.rates import cost_usd, rate_date
from mimetic.actors.session import run_actor
from mimetic.bundle.store import RunStore
from mimetic.project import Project

pytestmark = pytest.mark.browser
STREAM = "browser-desktop-stream"


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


def act(page, store, script, monkeypatch, **kwargs):
    with serve_fake_responses(script) as fake:
        openai_env(monkeypatch, fake.base_url)
        report = run_actor(PlaywrightComputer(page), store=store, stream_id=STREAM, goal="Add a todo", **kwargs)
    return report, fake


def test_scripted_actor_adds_a_todo_in_chromium_and_records_tokens_cost_and_transcript(page, store, todo_url,
                                                                                         monkeypatch):
    title = f"Buy oat milk {id(page)}"
    x, y = centre(page, "#new-todo")
    script = [computer_call(click(x, y), tokens=(1000, 50)),
              computer_call(type_text(title), call_id="call_2", reasoning="Type the todo.", tokens=(1100, 60)),
              computer_call(keypress("ENTER"), call_id="call_3", tokens=(1200, 70)),
              verdict_message("passed", [{"observed": "No visible Add feedback", "where": todo_url,
                                          "severity": "low", "owner": "product"}], tokens=(1300, 150))]
    report, fake = act(page, store, script, monkeypatch)

    assert title in [todo["title"] for todo in todos(todo_url)]
    assert (report.status, report.verdict, report.steps) == ("passed", "passed", 3)
    assert (report.tokens.input, report.tokens.output) == (4600, 330)
    assert report.cost_usd == cost_usd("computer-use-preview", 4600, 330) and report.cost_usd > 0
    assert report.rate_date == rate_date() and report.model == "computer-use-preview"
    assert report.findings[0].observed == "No visible Add feedback" and report.findings[0].owner == "product"
    assert '"verdict": "passed"' in report.last_message_tail
    assert written_report(store) == report.to_json()

    lines = transcript(store)
    assert [line["kind"] for line in lines] == ["click", "type", "keypress", "final"]
    assert lines[0]["args"] == {"x": x, "y": y, "button": "left"}
    assert lines[1]["args"]["text"] == title and lines[1]["text"] == "Type the todo."
    assert lines[2]["args"]["keys"] == ["ENTER"] and lines[2]["url"].startswith(todo_url)
    for step, line in enumerate(lines[:3], start=1):
        assert line["screenshot"] == f"screenshots/{STREAM}-actor-{step:03d}.png"
        assert (store.dir / line["screenshot"]).read_bytes().startswith(b"\x89PNG")
    assert "base64" not in (store.dir / f"actors/{STREAM}-transcript.ndjson").read_text()
    # Each screenshot answers its call, chained to the previous response.
    bodies = fake.response_requests()
    assert [b.get("previous_response_id") for b in bodies] == [None, "resp_1", "resp_2", "resp_3"]
    assert [b["input"][0]["call_id"] for b in bodies[1:]] == ["call_1", "call_2", "call_3"]
    assert files_containing(store.dir, CANARY_KEY) == []


def test_batched_actions_run_in_order_with_one_screenshot_for_the_call(page, store, todo_url, monkeypatch):
    title = f"Batched todo {id(page)}"
    script = [computer_call(click(*centre(page, "#new-todo")), type_text(title), keypress("ENTER"), batched=True),
              verdict_message("passed")]
    report, fake = act(page, store, script, monkeypatch)
    assert report.status == "passed" and report.steps == 3
    assert title in [todo["title"] for todo in todos(todo_url)]
    lines = transcript(store)
    assert [line.get("screenshot") for line in lines[:3]] == [None, None, f"screenshots/{STREAM}-actor-003.png"]
    assert len(fake.response_requests()) == 2


def test_loop_guard_stops_three_identical_actions(page, store, monkeypatch):
    script = [computer_call(click(5, 5), call_id=f"call_{n}") for n in range(1, 4)] + [verdict_message("passed")]
    report, fake = act(page, store, script, monkeypatch)
    assert report.status == "failed" and report.verdict is None
    assert report.reason.startswith("Loop guard: the actor repeated the same action 3 times in a row (click")
    assert report.steps == 2  # the third repeat is refused, not performed
    assert report.findings[-1].owner == "actor"
    assert len(fake.response_requests()) == 3


def test_waiting_is_not_a_loop(page, store, monkeypatch):
    script = [computer_call(wait(), call_id=f"call_{n}") for n in range(1, 4)] + [verdict_message("passed")]
    report, _ = act(page, store, script, monkeypatch)
    assert report.status == "passed" and report.steps == 3


def test_step_budget_ends_the_lane_timed_out(page, store, monkeypatch):
    script = [computer_call(click(10, 10 + n), call_id=f"call_{n}") for n in range(1, 5)]
    report, _ = act(page, store, script, monkeypatch, budget=ActorBudget(max_steps=2))
    assert report.status == "timed_out" and report.steps == 2
    assert "step budget (2 actions, actor.maxSteps)" in report.reason


def test_lane_usd_budget_blocks_before_acting_on_an_expensive_turn(page, store, monkeypatch):
    script = [computer_call(click(10, 10), tokens=(10_000, 1000)), verdict_message("passed")]
    report, fake = act(page, store, script, monkeypatch, budget=ActorBudget(max_usd_per_lane=0.01))
    assert report.status == "blocked" and report.steps == 0
    assert "lane's USD budget is spent" in report.reason and "actor.maxUsdPerLane" in report.reason
    assert report.cost_usd == cost_usd("computer-use-preview", 10_000, 1000)
    assert len(fake.response_requests()) == 1


def test_run_usd_budget_is_shared_by_lanes(page, store, monkeypatch):
    run = RunBudget(max_usd=0.01)
    first, _ = act(page, store, [verdict_message("passed", tokens=(2000, 100))], monkeypatch,
                   budget=ActorBudget(run=run))
    assert first.status == "passed" and run.spent == pytest.approx(first.cost_usd)
    script = [computer_call(click(10, 10), tokens=(2000, 100)), verdict_message("passed")]
    second, _ = act(page, store, script, monkeypatch, budget=ActorBudget(run=run))
    assert second.status == "blocked" and "run's USD budget is spent" in second.reason
    third, fake = act(page, store, script, monkeypatch, budget=ActorBudget(run=run))
    assert third.status == "blocked" and "already spent before this lane's actor started" in third.reason
    assert fake.requests == []


def test_usd_budget_with_a_model_that_has_no_rate_blocks_before_any_call(page, store, monkeypatch):
    report, fake = act(page, store, [verdict_message("passed")], monkeypatch, model="my-private-model",
                       budget=ActorBudget(max_usd_per_lane=1.0))
    assert report.status == "blocked" and "no rate" in report.reason
    assert fake.requests == []


def test_unknown_model_cost_is_null_and_tokens_are_still_recorded(page, store, monkeypatch):
    report, _ = act(page, store, [verdict_message("passed", tokens=(500, 40))], monkeypatch, model="my-private-model")
    assert report.status == "passed" and (report.tokens.input, report.tokens.output) == (500, 40)
    assert report.cost_usd is None and report.rate_date is None
    assert written_report(store)["costUsd"] is None


def test_wall_timeout_ends_the_lane_timed_out(page, store, monkeypatch):
    slow = verdict_message("passed")
    slow.delay_s = 3
    report, _ = act(page, store, [computer_call(click(10, 10)), slow], monkeypatch,
                    budget=ActorBudget(timeout_ms=1200))
    assert report.status == "timed_out" and "ran out of wall time (1200 ms" in report.reason
    assert report.duration_ms < 2900


def test_pending_safety_check_blocks_and_is_never_acknowledged(page, store, todo_url, monkeypatch):
    before = todos(todo_url)
    check = {"id": "sc_1", "code": "malicious_instructions", "message": "The page asks to reveal secrets."}
    script = [computer_call(type_text("secret"), safety_checks=[check]), verdict_message("passed")]
    report, fake = act(page, store, script, monkeypatch)
    assert report.status == "blocked" and report.steps == 0
    assert report.safety_checks == ["malicious_instructions: The page asks to reveal secrets."]
    assert "never acknowledges" in report.reason
    assert len(fake.response_requests()) == 1  # no acknowledged_safety_checks was ever sent
    assert page.input_value("#new-todo") == "" and todos(todo_url) == before


def test_a_safety_check_on_any_call_of_a_turn_stops_it_before_the_first_call_acts(page, store, todo_url,
                                                                                  monkeypatch):
    before = todos(todo_url)
    check = {"id": "sc_2", "code": "irrelevant_domain", "message": "The page is not the product."}
    turn = computer_call(click(*centre(page, "#new-todo")))
    turn.body["output"] += computer_call(type_text("typed"), call_id="call_2", safety_checks=[check]).body["output"]
    report, fake = act(page, store, [turn, verdict_message("passed")], monkeypatch)
    assert (report.status, report.steps) == ("blocked", 0)
    assert report.safety_checks == ["irrelevant_domain: The page is not the product."]
    assert len(fake.response_requests()) == 1 and todos(todo_url) == before


def test_a_spent_lane_budget_is_not_spent_further_on_a_nudge(page, store, monkeypatch):
    script = [final_message("Should I continue?", tokens=(10_000, 1000)), verdict_message("passed")]
    report, fake = act(page, store, script, monkeypatch, budget=ActorBudget(max_usd_per_lane=0.01))
    assert report.status == "blocked" and "lane's USD budget is spent" in report.reason
    assert len(fake.response_requests()) == 1


@pytest.mark.parametrize(("status", "reason"), [(401, "OpenAI rejected the API key (401)"),
                                                (429, "OpenAI rate limit or quota exhausted (429)")])
def test_auth_and_quota_errors_block_with_a_clear_reason(page, store, monkeypatch, status, reason):
    message = f"Incorrect API key provided: {CANARY_KEY}" if status == 401 else "You exceeded your current quota"
    report, _ = act(page, store, [api_error(status, message)], monkeypatch)
    assert (report.status, report.reason, report.steps) == ("blocked", reason, 0)
    assert files_containing(store.dir, CANARY_KEY) == []


def test_other_api_errors_fail_with_a_redacted_reason(page, store, monkeypatch):
    report, _ = act(page, store, [api_error(400, f"Bad image for key {CANARY_KEY}", sticky=False)], monkeypatch)
    assert report.status == "failed" and report.reason.startswith("OpenAI API error (400): Bad image for key")
    assert CANARY_KEY not in report.reason and "[REDACTED_SECRET]" in report.reason


def test_unreachable_api_fails_without_a_traceback(page, store, monkeypatch):
    openai_env(monkeypatch, "http://127.0.0.1:9/v1")
    report = run_actor(PlaywrightComputer(page), store=store, stream_id=STREAM, goal="Add a todo")
    assert report.status == "failed" and report.reason.startswith("Could not reach the OpenAI API")
    assert "Traceback" not in report.reason


def test_missing_key_blocks_without_calling_openai(page, store, monkeypatch):
    with serve_fake_responses([verdict_message("passed")]) as fake:
        openai_env(monkeypatch, fake.base_url)
        monkeypatch.delenv("OPENAI_API_KEY")
        report = run_actor(PlaywrightComputer(page), store=store, stream_id=STREAM, goal="Add a todo")
    assert report.status == "blocked" and "OPENAI_API_KEY is not set" in report.reason
    assert fake.requests == []


def test_reply_without_a_verdict_is_nudged_once_then_fails(page, store, monkeypatch):
    script = [final_message("I see a todo app. Should I continue?"), final_message("Okay, all done!")]
    report, fake = act(page, store, script, monkeypatch)
    assert (report.status, report.verdict, report.reason) == ("failed", None, "actor gave no structured verdict")
    nudge = fake.response_requests()[1]
    assert nudge["previous_response_id"] == "resp_1" and nudge["input"][0]["role"] == "user"
    assert report.last_message_tail == "Okay, all done!"


def test_verdict_after_the_nudge_is_accepted(page, store, monkeypatch):
    script = [final_message("Should I add a todo?"), verdict_message("blocked", summary="Needs an account.")]
    report, _ = act(page, store, script, monkeypatch)
    assert (report.status, report.verdict, report.reason) == ("blocked", "blocked", "Needs an account.")


def test_typed_secrets_are_redacted_in_the_transcript(page, store, monkeypatch):
    token = "ghp_" + "a1b2c3d4e5f6g7h8i9j0"
    script = [computer_call(click(*centre(page, "#new-todo"))),
              computer_call(type_text(f"my token {token}"), call_id="call_2"), verdict_message("passed")]
    report, _ = act(page, store, script, monkeypatch)
    assert report.status == "passed"
    typed = transcript(store)[1]["args"]["text"]
    assert typed == "my token [REDACTED_SECRET]"
    assert files_containing(store.dir, token) == []


class _InterruptedComputer(PlaywrightComputer):
    def act(self, action):
        raise KeyboardInterrupt


def test_ctrl_c_records_an_interrupted_actor_and_propagates(page, store, monkeypatch):
    with serve_fake_responses([computer_call(click(10, 10))]) as fake:
        openai_env(monkeypatch, fake.base_url)
        with pytest.raises(KeyboardInterrupt):
            run_actor(_InterruptedComputer(page), store=store, stream_id=STREAM, goal="Add a todo")
    assert written_report(store)["status"] == "interrupted"
