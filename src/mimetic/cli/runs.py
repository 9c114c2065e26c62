"""`mimetic runs`: list run bundles, newest first."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt


def register(app: typer.Typer) -> None:
    @app.command("runs", help="List the runs under .mimetic/runs, newest first.")
    def runs(cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.bundle.store import list_runs, resolve_run
        from mimetic.cli._output import Outcome, execute, json_wanted, lines
        from mimetic.contracts.results import RunsResult
        from mimetic.errors import MimeticError
        from mimetic.project import open_project

        def show(data: dict) -> None:
            if not data["runs"]:
                lines(f"No Mimetic runs found in {data['cwd']}")
                return
            from rich.table import Table

            from mimetic.cli._output import console

            table = Table("run", "mode", "verdict", "created", title=f"latest: {data['latest']}")
            for r in data["runs"]:
                table.add_row(r["runId"], r["mode"] or "?", r.get("verdict") or "?", r["createdAt"] or "?")
            console().print(table)

        def action() -> Outcome:
            project = open_project(cwd)
            try:
                latest = resolve_run(project, "latest").run_id
            except MimeticError:
                latest = None
            result = RunsResult(cwd=str(project.root), runs=list_runs(project), latest=latest)
            return Outcome(result.to_json(), human=show)

        execute(json_wanted(json), action)
