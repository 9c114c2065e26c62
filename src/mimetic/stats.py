"""Roll-ups across runs for `mimetic stats`: cost, tokens, outcomes and durations.

Reads each run's `run.json` (tolerantly: only the fields it needs) and its `actors/*.json` reports.
A run with no actor made no model calls, so its cost is a known 0. An actor whose model has no
rate makes its run's cost unknown, and then the total is unknown too (`costUsd: null`); the known
part is still reported as `knownCostUsd`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mimetic.bundle.store import RUN_ID_PATTERN
from mimetic.contracts.evidence import ActorReport, TokenUsage
from mimetic.contracts.stats import DurationStats, DurationSummary, ModelStats, RunStats, StatsResult
from mimetic.contracts.study import OUTCOMES, PersonaTally, StudySummary, TaskTally
from mimetic.errors import MimeticError
from mimetic.project import Project

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


def _moment(value: Any) -> datetime | None:
    """An ISO date or date-time as an aware datetime (UTC when it names no zone); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run_duration_ms(data: dict[str, Any]) -> int | None:
    """From `createdAt` to the last event or lifecycle mark the bundle recorded."""
    start = _moment(data.get("createdAt"))
    marks = [_moment(entry.get("at")) for key in ("events", "lifecycle") for entry in data.get(key) or []
             if isinstance(entry, dict)]
    marks = [m for m in marks if m is not None]
    if start is None or not marks:
        return None
    return max(0, int((max(marks) - start).total_seconds() * 1000))


def _actor_reports(run_dir: Path, warnings: list[str]) -> list[ActorReport]:
    from pydantic import ValidationError

    reports = []
    for path in sorted((run_dir / "actors").glob("*.json")):
        try:
            reports.append(ActorReport.model_validate(json.loads(path.read_text(encoding="utf-8"))))
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
    return total


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
    root = project.runs_dir
    for run_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if not run_dir.is_dir() or not RUN_ID_PATTERN.match(run_dir.name):
            continue
        try:
            data = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except FileNotFoundError:
            continue  # a run still being created, or a stray directory
        except (OSError, ValueError):
            warnings.append(f"{run_dir.name}: run.json is not readable JSON; left out.")
            continue
        run_lab = data["lab"].get("id") if isinstance(data.get("lab"), dict) else None
        if lab is not None and run_lab != lab:
            continue
        created = _moment(data.get("createdAt"))
        if since_at is not None and (created is None or created < since_at):
            continue
        actors = _actor_reports(run_dir, warnings)
        reports += actors
        duration = _run_duration_ms(data)
        if duration is not None:
            run_durations.append(duration)
        review = data.get("review") if isinstance(data.get("review"), dict) else {}
        study = _study(run_dir.name, data.get("study"), warnings)
        if study is not None:
            studies.append(study)
        runs.append(RunStats(
            run_id=run_dir.name, created_at=data.get("createdAt"), lab=run_lab, mode=data.get("mode"),
            verdict=review.get("verdict"), duration_ms=duration, actors=len(actors),
            actor_statuses=dict(Counter(a.status for a in actors)),
            tokens=_token_sum(a.tokens for a in actors),
            cost_usd=_sum_costs([a.cost_usd for a in actors])))
    runs.sort(key=lambda r: (r.created_at or "", r.run_id), reverse=True)

    known = [a.cost_usd for a in reports if a.cost_usd is not None]
    unknown_runs = sum(1 for r in runs if r.cost_usd is None)
    return StatsResult(
        cwd=str(project.root), lab=lab, since=since, run_count=len(runs), actor_count=len(reports),
        outcomes=dict(Counter(r.verdict or "unknown" for r in runs)),
        actor_outcomes=dict(Counter(a.status for a in reports)),
        tokens=_token_sum(r.tokens for r in runs),
        cost_usd=None if unknown_runs else round(sum(known), COST_DIGITS),
        known_cost_usd=round(sum(known), COST_DIGITS), unknown_cost_runs=unknown_runs,
        rate_dates=sorted({a.rate_date for a in reports if a.rate_date}),
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
                       tokens=_token_sum(a.tokens for a in group),
                       cost_usd=_sum_costs([a.cost_usd for a in group]))
            for model, group in sorted(by_model.items())]
