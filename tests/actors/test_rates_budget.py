"""Dated rates price known models and leave unknown ones unknown; budgets resolve and share safely."""

from __future__ import annotations

import threading

import pytest

from mimetic.actors.budget import DEFAULT_MAX_STEPS, DEFAULT_TIMEOUT_MS, ActorBudget, RunBudget, run_budget_for
from mimetic.actors.openai_cua import DEFAULT_MODEL, resolve_model
from mimetic.actors.rates import cost_usd, rate_date, rate_for
from mimetic.contracts.manifests import LabActor
from mimetic.errors import MimeticError


def test_known_model_cost_uses_the_dated_per_million_rates():
    rate = rate_for("computer-use-preview")
    assert rate.date == rate_date() and len(rate.date) == 10
    expected = (1_000_000 * rate.input_usd + 500_000 * rate.output_usd) / 1_000_000
    assert cost_usd("computer-use-preview", 1_000_000, 500_000) == pytest.approx(expected)


def test_dated_snapshot_uses_its_family_rate():
    assert rate_for("computer-use-preview-2025-03-11") == rate_for("computer-use-preview")


def test_unknown_model_cost_is_none_not_zero_unless_nothing_was_spent():
    assert rate_for("my-private-model") is None
    assert cost_usd("my-private-model", 10, 5) is None
    assert cost_usd("my-private-model", 0, 0) == 0.0


def test_budget_defaults_lab_values_and_the_environment_override():
    assert ActorBudget.resolve(environ={}) == ActorBudget(DEFAULT_MAX_STEPS, DEFAULT_TIMEOUT_MS, None, None)
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
    lab = LabActor(kind="openai-cua", model="computer-use-preview-2025-03-11")
    assert resolve_model(None, {}) == DEFAULT_MODEL
    assert resolve_model(lab, {}) == "computer-use-preview-2025-03-11"
    assert resolve_model(lab, {"MIMETIC_ACTOR_MODEL": "other-model"}) == "other-model"


def test_a_run_budget_is_exhausted_exactly_when_spend_reaches_the_cap():
    budget = RunBudget(0.5)
    budget.charge(0.25)
    assert not budget.exhausted()
    budget.charge(0.25)  # exactly the cap: no further turn may spend
    assert budget.spent == 0.5 and budget.exhausted()
    assert not RunBudget(None).exhausted() and RunBudget(0.0).exhausted()
