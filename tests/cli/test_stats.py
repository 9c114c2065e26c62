"""`mimetic stats`: cost, tokens, outcomes and durations across runs; unknown cost is never counted as 0."""

from __future__ import annotations

import pytest

from mimetic.bundle.store import RunStore
from mimetic.contracts.evidence import ActorReport, TokenUsage
from mimetic.project import Project


def make_run(cli, *command: str) -> str:
    """A dry-run bundle (`mimetic run --dry-run`, or the lab command given)."""
    call = cli(*(command or ("run",)), "--dry-run", "--json")
    assert call.exit_code == 0, call.stdout
    return call.json()["runId"]


def add_actor(project, run_id: str, stream: str, *, status: str, tokens: tuple[int, int], cost: float | None,
              model: str = "computer-use-preview", duration_ms: int = 1000) -> None:
    report = ActorReport(id=stream, kind="openai-cua", status=status, model=model, duration_ms=duration_ms,
                         tokens=TokenUsage(input=tokens[0], output=tokens[1]), cost_usd=cost,
                         rate_date="2025-04-14" if cost else None)
    RunStore(Project(project), run_id).write_json(f"actors/{stream}.json", report.to_json())


def test_stats_sum_cost_tokens_outcomes_and_durations_over_two_runs(cli, project):
    first, second = make_run(cli), make_run(cli)
    add_actor(project, first, "lane-a", status="passed", tokens=(1000, 100), cost=0.0042, duration_ms=2000)
    add_actor(project, second, "lane-b", status="blocked", tokens=(3000, 300), cost=0.0126, duration_ms=4000)
    data = cli("stats", "--json").json()
    assert data["schema"] == "mimetic.stats-result.v1" and data["ok"] is True
    assert (data["runCount"], data["actorCount"]) == (2, 2)
    assert data["tokens"] == {"input": 4000, "output": 400, "cached": 0}
    assert data["costUsd"] == pytest.approx(0.0168) and data["knownCostUsd"] == pytest.approx(0.0168)
    assert data["unknownCostRuns"] == 0 and data["rateDates"] == ["2025-04-14"]
    assert data["outcomes"] == {"contract_proof_only": 2}
    assert data["actorOutcomes"] == {"passed": 1, "blocked": 1}
    assert data["durations"]["actors"] == {"count": 2, "totalMs": 6000, "meanMs": 3000, "maxMs": 4000}
    assert data["durations"]["runs"]["count"] == 2
    assert {run["runId"]: run["costUsd"] for run in data["runs"]} == {first: 0.0042, second: 0.0126}
    assert data["models"] == [{"model": "computer-use-preview", "actors": 2, "tokens": {"input": 4000, "output": 400, "cached": 0},
                               "costUsd": pytest.approx(0.0168)}]


def test_an_unknown_cost_keeps_the_total_null_and_counts_the_run(cli, project):
    known, unknown = make_run(cli), make_run(cli)
    add_actor(project, known, "lane-a", status="passed", tokens=(1000, 100), cost=0.0042)
    add_actor(project, unknown, "lane-b", status="passed", tokens=(500, 50), cost=0.001)
    add_actor(project, unknown, "lane-c", status="passed", tokens=(700, 70), cost=None, model="my-private-model")
    data = cli("stats", "--json").json()
    assert data["costUsd"] is None and data["unknownCostRuns"] == 1
    assert data["knownCostUsd"] == pytest.approx(0.0052)
    assert data["tokens"] == {"input": 2200, "output": 220, "cached": 0}
    costs = {run["runId"]: run["costUsd"] for run in data["runs"]}
    assert costs == {known: 0.0042, unknown: None}
    assert {m["model"]: m["costUsd"] for m in data["models"]}["my-private-model"] is None

    human = cli("stats")
    assert human.exit_code == 0
    assert "cost: unknown (1 run(s) used a model with no rate; the known part is $0.0052)" in human.stdout


def test_runs_without_actors_cost_a_known_zero(cli):
    make_run(cli)
    data = cli("stats", "--json").json()
    assert (data["runCount"], data["actorCount"], data["costUsd"], data["unknownCostRuns"]) == (1, 0, 0.0, 0)


def test_lab_and_since_filters(cli, project):
    plain = make_run(cli)
    lab_run = make_run(cli, "lab", "run", "first-run")
    add_actor(project, lab_run, "lane-a", status="failed", tokens=(10, 1), cost=0.00004)
    by_lab = cli("stats", "--lab", "first-run", "--json").json()
    assert [run["runId"] for run in by_lab["runs"]] == [lab_run] and by_lab["lab"] == "first-run"
    assert by_lab["actorOutcomes"] == {"failed": 1}
    assert cli("stats", "--since", "2000-01-01", "--json").json()["runCount"] == 2
    future = cli("stats", "--since", "2999-01-01T00:00:00Z", "--json").json()
    assert (future["runCount"], future["since"]) == (0, "2999-01-01T00:00:00Z")
    assert plain in {run["runId"] for run in cli("stats", "--json").json()["runs"]}


def test_a_malformed_since_is_a_usage_error(cli):
    call = cli("stats", "--since", "last tuesday", "--json")
    assert call.exit_code == 2
    assert call.json()["error"]["code"] == "MIMETIC_INVALID_SINCE"


def test_an_invalid_actor_report_is_left_out_with_a_warning(cli, project):
    run_id = make_run(cli)
    RunStore(Project(project), run_id).write_text("actors/broken.json", "{not json")
    data = cli("stats", "--json").json()
    assert data["actorCount"] == 0
    assert data["warnings"] == [f"{run_id}: actors/broken.json is not a valid actor report; left out."]


def test_no_runs_yet(cli, project):
    data = cli("stats", "--json").json()
    assert (data["runCount"], data["costUsd"], data["runs"]) == (0, 0.0, [])
    assert cli("stats").stdout.startswith("mimetic stats: 0 run(s)")
