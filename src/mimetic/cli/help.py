"""`mimetic help [command...]`: the help of any command, as 0.1.5's `help [command]` prints it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("help", help="Show the help of a command, e.g. `mimetic help lab run`.")
    def help_(ctx: typer.Context,
              command: Annotated[Optional[list[str]], typer.Argument(help="Command path, e.g. lab run.")] = None) -> None:
        root = ctx.find_root()
        target, target_ctx = root.command, root
        for name in command or []:
            sub = target.get_command(target_ctx, name) if hasattr(target, "get_command") else None
            if sub is None:
                typer.echo(f"MIMETIC_UNKNOWN_COMMAND: no command `{' '.join(command or [])}`; see `mimetic --help`.",
                           err=True)
                raise typer.Exit(2)
            target, target_ctx = sub, type(target_ctx)(sub, info_name=name, parent=target_ctx)
        typer.echo(target.get_help(target_ctx))
