"""`mimetic export`: one self-contained HTML file of a verified run, screenshots inlined."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mimetic.cli._options import CwdOpt, JsonOpt, RunOpt


def print_export(data: dict) -> None:
    from mimetic.cli._output import lines, warnings_block

    lines("mimetic export written", f"run: {data['runId']}", f"file: {data['outPath']}",
          f"size: {data['bytes']:,} bytes", f"screenshots inlined: {data['screenshotsInlined']}",
          f"setup evidence inlined: {data['artifactsInlined']}")
    warnings_block(data.get("warnings", []))


def register(app: typer.Typer) -> None:
    @app.command("export", help="Write one shareable, offline HTML Observer of a verified run (refused if verify fails).")
    def export(
        run: RunOpt = "latest",
        out: Annotated[Optional[str], typer.Option("--out", help="Output file (default .mimetic/exports/<runId>.html).")] = None,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted

        def action() -> Outcome:
            from mimetic.observer.export import export_run
            from mimetic.project import open_project

            return Outcome(export_run(open_project(cwd), run, out).to_json(), human=print_export)

        execute(json_wanted(json), action)
