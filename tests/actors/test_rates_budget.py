"""Dated rates price known models and leave unknown ones unknown; budgets resolve and share safely."""

from __future__ import annotations

import threading

import pytest

from mimetic.actors.budget import DEFAULT_MAX_STEPS, DEFAULT_TIMEOUT_MS, ActorBudget, RunBudget, run_budget_for
from mimetic.actors.providers.base import Usage
from mimetic.actors.providers.openai_computer import DEFAULT_MODEL
from mimetic.actors.rates import cost_usd, rate_date, rate_for
from mimetic.actors.registry import chosen_model, make_actor
from mimetic.contracts.manifests import LabActor
from mimetic.errors import MimeticError


def test_known_model_cost_bills_cached_input_at_its_own_rate():
    rate = rate_for("gpt-5.4-mini")
    assert rate.date == rate_date() and len(rate.date) == 10
    assert rate.cached_input_usd == pytest.approx(rate.input_usd / 10)
    usage = Usage(input_tokens=1_000_000, cached_tokens=800_000, output_tokens=500_000)
    expected = (200_000 * rate.input_usd + 800_000 * rate.cached_input_usd + 500_000 * rate.output_usd) / 1_000_000
    assert cost_usd("gpt-5.4-mini", usage) == pytest.approx(expected)
    assert cost_usd("gpt-5.4-mini", usage) < cost_usd("gpt-5.4-mini", Usage(1_000_000, 0, 500_000))


def test_the_default_models_of_every_provider_have_rates():
    assert rate_for(DEFAULT_MODEL) is not None and rate_for("computer-use-preview") is not None
    assert rate_for("claude-sonnet-5-5") is not None  # the anthropic actor's default


def test_dated_snapshot_uses_its_family_rate():
    assert rate_for("computer-use-preview-2025-03-11") == rate_for("computer-use-preview")
    assert rate_for("gpt-5.4-2026-03-05") == rate_for("gpt-5.4")


def test_unknown_model_cost_is_none_not_zero_unless_nothing_was_spent():
    assert rate_for("my-private-model") is None
    assert cost_usd("my-private-model", Usage(10, 0, 5)) is None
    assert cost_usd("my-private-model", Usage()) == 0.0


def test_budget_defaults_lab_values_and_the_environment_override():
    assert ActorBudget.resolve(environ={}) == ActorBudget(max_steps=DEFAULT_MAX_STEPS, timeout_ms=DEFAULT_TIMEOUT_MS)
    lab = LabActor(kind="openai-cua", max_steps=5, timeout_ms=1000, max_usd_per_lane=0.5, max_usd_per_run=2)
    run = run_budget_for(lab)
    budget = ActorBudget.resolve(lab, run=run, environ={})
    assert (budget.max_steps, budget.timeout_ms, budget.max_usd_per_lane, budget.run.max_usd) == (5, 1000, 0.5, 2)
    assert ActorBudget.resolve(lab, environ={"MIMETIC_OSS_META_ACTOR_TIMEOUT_MS": "7000"}).timeout_ms == 7000


@pytest.mark.parametrize("raw", ["soon", "0", "-5", "1.5"])
def test_malformed_timeout_flag_is_a_usage_error(raw):
    with pytest.raises(MimeticError) as caught:
        ActorBudget.resolve(environ={"MIMETIC_OSS_META_ACTOR_TIMEOUT_MS": raw})
    assert caught.value.code == "MIMETIC_INVALID_ENV" and caught.value.exit_code == 2


def test_run_budget_sums_charges_from_many_threads():
    run = RunBudget(max_usd=1.0)
    threads = [threading.Thread(target=lambda: [run.charge(0.001) for _ in range(100)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert run.spent == pytest.approx(0.8) and not run.exhausted()
    run.charge(0.2)
    assert run.exhausted()
    assert not RunBudget(None).exhausted()


def test_model_comes_from_the_environment_then_the_lab_then_the_default():
    assert chosen_model(None, {}) is None and make_actor("openai-cua", environ={}).model == DEFAULT_MODEL == "gpt-5.4-mini"
    assert make_actor("openai-cua", model="computer-use-preview-2025-03-11", environ={}).model == \
        "computer-use-preview-2025-03-11"
    assert make_actor("openai-cua", model="lab-model", environ={"MIMETIC_ACTOR_MODEL": "other-model"}).model == \
        "other-model"


def test_an_unknown_actor_kind_is_a_usage_error():
    with pytest.raises(MimeticError) as caught:
        make_actor("gemini-cua", environ={})
    assert caught.value.code == "MIMETIC_UNSUPPORTED_ACTOR" and "openai-cua" in caught.value.message


def test_a_run_budget_is_exhausted_exactly_when_spend_reaches_the_cap():
    budget = RunBudget(0.5)
    budget.charge(0.25)
    assert not budget.exhausted()
    budget.charge(0.25)  # exactly the cap: no further turn may spend
    assert budget.spent == 0.5 and budget.exhausted()
    assert not RunBudget(None).exhausted() and RunBudget(0.0).exhausted()
