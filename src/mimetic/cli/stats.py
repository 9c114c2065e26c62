"""`mimetic stats`: cost, tokens, outcomes and durations across runs (unknown cost stays unknown)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import CwdOpt, JsonOpt


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def _seconds(summary: dict) -> str:
    if not summary["count"]:
        return "none recorded"
    return f"mean {summary['meanMs'] / 1000:.1f}s, max {summary['maxMs'] / 1000:.1f}s over {summary['count']}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "none"


def print_stats(data: dict) -> None:
    from mimetic.cli._output import console, lines, warnings_block

    scope = (f" for lab {data['lab']}" if data["lab"] else "") + (f" since {data['since']}" if data["since"] else "")
    cost = _usd(data["costUsd"])
    if data["costUsd"] is None:
        cost += (f" ({data['unknownCostRuns']} run(s) used a model with no rate; the known part is "
                 f"{_usd(data['knownCostUsd'])})")
    elif data["rateDates"]:
        cost += f" (rates of {', '.join(data['rateDates'])})"
    tokens = data["tokens"]
    lines(f"mimetic stats: {data['runCount']} run(s){scope}", f"cost: {cost}",
          f"tokens: {tokens['input']} in, {tokens['output']} out",
          f"outcomes: {_counts(data['outcomes'])}",
          f"actors: {data['actorCount']} ({_counts(data['actorOutcomes'])})",
          f"run durations: {_seconds(data['durations']['runs'])}",
          f"actor durations: {_seconds(data['durations']['actors'])}")
    if data.get("tasks"):
        from mimetic.cli._study import study_lines

        lines("study outcomes (all runs):", *study_lines({"tasks": data["tasks"], "personas": data["personas"]}))
    if data["runs"]:
        from rich.table import Table

        table = Table("run", "lab", "verdict", "actors", "tokens in/out", "cost")
        table.columns[0].overflow = "fold"
        for run in data["runs"]:
            table.add_row(run["runId"], run["lab"] or "-", run["verdict"] or "?", str(run["actors"]),
                          f"{run['tokens']['input']}/{run['tokens']['output']}", _usd(run["costUsd"]))
        console().print(table)
    warnings_block(data.get("warnings", []))


def register(app: typer.Typer) -> None:
    @app.command("stats", help="Cost, tokens, outcomes and durations across runs (unknown cost stays unknown).")
    def command(
        lab: Annotated[Optional[str], typer.Option("--lab", help="Only runs of this lab id.")] = None,
        since: Annotated[Optional[str], typer.Option("--since", help="Only runs created at or after this ISO date.")] = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted
        from mimetic.project import open_project
        from mimetic.stats import collect_stats

        def action() -> Outcome:
            result = collect_stats(open_project(cwd), lab=lab, since=since)
            return Outcome(result.to_json(), human=print_stats)

        execute(json_wanted(json), action)
