"""`mimetic init`: scaffold the committed `mimetic/` source plane and the ignored `.mimetic/` runtime."""

from __future__ import annotations

from typing import Annotated

import typer

from mimetic.cli._options import CwdOpt, JsonOpt


ACTION_STYLES = {"create": "green", "mkdir": "green", "update": "yellow", "skip": "dim"}


def print_init(data: dict) -> None:
    from rich.text import Text

    from mimetic.cli._output import console, lines, warnings_block

    # Without confirmation nothing happened, so the whole report is a diagnostic for stderr.
    stderr = data["mode"] == "needs-confirmation"
    out = console(stderr=stderr)
    lines(f"mimetic init {data['mode']}{'' if data['ok'] else ' blocked'}", f"cwd: {data['cwd']}", "changes:",
          stderr=stderr)
    for change in data["changes"]:
        # Text, not markup: paths and `mimetic:watch:ci` print exactly as they are.
        out.print(Text.assemble("- ", (f"{change['action']:<6}", ACTION_STYLES[change["action"]]), " ",
                                change["path"], (f" ({change['target']}: {change['reason']})", "dim")))
    warnings_block(data["warnings"])
    if data.get("error"):
        lines(f"{data['error']['code']}: {data['error']['message']}", stderr=True)


def register(app: typer.Typer) -> None:
    @app.command("init", help="Create the starter mimetic/ source, .mimetic/ runtime dirs, .gitignore block and npm scripts. Never overwrites.")
    def init(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; write nothing (wins over --yes).")] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply the plan.")] = False,
        cwd: CwdOpt = ".",
        json: JsonOpt = False,
    ) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted
        from mimetic.init.plan import run_init
        from mimetic.project import open_project

        def action() -> Outcome:
            result = run_init(open_project(cwd), dry_run=dry_run, yes=yes)
            return Outcome(result.to_json(), exit_code=0 if result.ok else 2, human=print_init)

        execute(json_wanted(json), action)
