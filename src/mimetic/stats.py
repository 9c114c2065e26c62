"""Roll-ups across runs for `mimetic stats`: cost, tokens, outcomes and durations.

Reads each run's summary from the run index (or its `run.json`, tolerantly, when the index has no
current entry for it: `bundle.run_index`) and its `actors/*.json` reports.
A run with no actor made no model calls, so its cost is a known 0. An actor whose model has no
rate makes its run's cost unknown, and then the total is unknown too (`costUsd: null`); the known
part is still reported as `knownCostUsd`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from mimetic.bundle.run_index import indexed_runs, iso_moment as _moment
from mimetic.contracts.evidence import ActorReport, TokenUsage
from mimetic.contracts.stats import DurationStats, DurationSummary, ModelStats, RunStats, StatsResult
from mimetic.contracts.study import OUTCOMES, PersonaTally, StudySummary, TaskTally
from mimetic.errors import MimeticError
from mimetic.project import Project
from mimetic.safety.regular import read_json

COST_DIGITS = 6


def parse_since(since: str | None) -> datetime | None:
    """An ISO date (`2026-01-31`, midnight UTC) or date-time; anything else is a usage error."""
    if since is None:
        return None
    moment = _moment(since.strip())
    if moment is None:
        raise MimeticError("MIMETIC_INVALID_SINCE",
                           f"--since must be an ISO date or date-time (for example 2026-01-31), got {since!r}.")
    return moment


def _actor_reports(run_dir: Path, warnings: list[str]) -> list[ActorReport]:
    from pydantic import ValidationError

    reports = []
    for path in sorted((run_dir / "actors").glob("*.json")):
        try:
            reports.append(ActorReport.model_validate(read_json(path)))
        except (OSError, ValueError, ValidationError):
            warnings.append(f"{run_dir.name}: actors/{path.name} is not a valid actor report; left out.")
    return reports


def _summary(values: list[int]) -> DurationSummary:
    if not values:
        return DurationSummary()
    total = sum(values)
    return DurationSummary(count=len(values), total_ms=total, mean_ms=total // len(values), max_ms=max(values))


def _token_sum(usages: Iterable[TokenUsage]) -> TokenUsage:
    total = TokenUsage()
    for usage in usages:
        total.input += usage.input
        total.output += usage.output
        total.cached += usage.cached
    return total


def _tokens(report: ActorReport) -> TokenUsage:
    """An actor's tokens summed from its per-turn entries (reports without turns carry only the total)."""
    return _token_sum(t.tokens for t in report.turns) if report.turns else report.tokens


def _cost(report: ActorReport) -> float | None:
    return _sum_costs([t.cost_usd for t in report.turns]) if report.turns else report.cost_usd


def _sum_costs(costs: list[float | None]) -> float | None:
    if any(cost is None for cost in costs):
        return None
    return round(sum(costs), COST_DIGITS)


def collect_stats(project: Project, *, lab: str | None = None, since: str | None = None) -> StatsResult:
    since_at = parse_since(since)
    warnings: list[str] = []
    runs: list[RunStats] = []
    studies: list[StudySummary] = []
    reports: list[ActorReport] = []
    run_durations: list[int] = []
    for run in indexed_runs(project):
        if run.missing:
            continue  # a run still being created, or a stray directory
        if run.summary is None:
            warnings.append(f"{run.run_id}: run.json is not readable JSON; left out.")
            continue
        summary, run_dir = run.summary, project.runs_dir / run.run_id
        if lab is not None and summary.lab != lab:
            continue
        created = _moment(summary.created_at)
        if since_at is not None and (created is None or created < since_at):
            continue
        actors = _actor_reports(run_dir, warnings)
        reports += actors
        if summary.duration_ms is not None:
            run_durations.append(summary.duration_ms)
        study = _study(run.run_id, summary.study, warnings)
        if study is not None:
            studies.append(study)
        runs.append(RunStats(
            run_id=run.run_id, created_at=summary.created_at, lab=summary.lab, mode=summary.mode,
            verdict=summary.verdict, duration_ms=summary.duration_ms, actors=len(actors),
            actor_statuses=dict(Counter(a.status for a in actors)),
            tokens=_token_sum(_tokens(a) for a in actors),
            cost_usd=_sum_costs([_cost(a) for a in actors])))
    runs.sort(key=lambda r: (r.created_at or "", r.run_id), reverse=True)

    known = [cost for cost in map(_cost, reports) if cost is not None]
    unknown_runs = sum(1 for r in runs if r.cost_usd is None)
    return StatsResult(
        cwd=str(project.root), lab=lab, since=since, run_count=len(runs), actor_count=len(reports),
        outcomes=dict(Counter(r.verdict or "unknown" for r in runs)),
        actor_outcomes=dict(Counter(a.status for a in reports)),
        tokens=_token_sum(r.tokens for r in runs),
        cost_usd=None if unknown_runs else round(sum(known), COST_DIGITS),
        known_cost_usd=round(sum(known), COST_DIGITS), unknown_cost_runs=unknown_runs,
        rate_dates=sorted({a.rate_date for a in reports if a.rate_date}),
        model_turns=sum(len(a.turns) for a in reports),
        model_latency_ms=sum(t.latency_ms for a in reports for t in a.turns),
        durations=DurationStats(runs=_summary(run_durations), actors=_summary([a.duration_ms for a in reports])),
        models=_model_stats(reports), tasks=_tallies(TaskTally, "task_id", [t for s in studies for t in s.tasks]),
        personas=_tallies(PersonaTally, "persona_id", [p for s in studies for p in s.personas]), runs=runs,
        warnings=warnings)


def _study(run_id: str, value: Any, warnings: list[str]) -> StudySummary | None:
    from pydantic import ValidationError

    if value is None:
        return None
    try:
        return StudySummary.model_validate(value)
    except ValidationError:
        warnings.append(f"{run_id}: run.json's study block is not valid; left out of the task tallies.")
        return None


def _tallies(model: type, key: str, tallies: list) -> list:
    """Tallies of the same task (or persona) summed across runs, in first-seen order."""
    summed: dict[str, Any] = {}
    for tally in tallies:
        name = getattr(tally, key)
        total = summed.setdefault(name, model(**{key: name}))
        total.n += tally.n
        for outcome in OUTCOMES:
            setattr(total, outcome, getattr(total, outcome) + getattr(tally, outcome))
    return list(summed.values())


def _model_stats(reports: list[ActorReport]) -> list[ModelStats]:
    by_model: dict[str, list[ActorReport]] = {}
    for report in reports:
        by_model.setdefault(report.model or "unknown", []).append(report)
    return [ModelStats(model=model, actors=len(group),
                       tokens=_token_sum(_tokens(a) for a in group),
                       cost_usd=_sum_costs([_cost(a) for a in group]))
            for model, group in sorted(by_model.items())]
