"""`mimetic cleanup` (not built yet: says so at run time and exits 2)."""

from __future__ import annotations

import typer

from mimetic.cli._options import JsonOpt


def register(app: typer.Typer) -> None:
    @app.command("cleanup", help="(not available yet)")
    def command(json: JsonOpt = False) -> None:
        from mimetic.cli._output import execute, json_wanted
        from mimetic.errors import MimeticError

        def action():
            raise MimeticError("MIMETIC_UNIMPLEMENTED", "mimetic cleanup is not implemented yet.")

        execute(json_wanted(json), action)
