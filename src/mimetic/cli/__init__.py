"""The `mimetic` command line: Typer parses options, domain modules do the work.

Command modules import only typer at module level; every domain and heavy import happens inside
the command body, so `mimetic --help` stays as fast as importing typer.
"""

from __future__ import annotations

import importlib
import sys

import typer

from mimetic import __version__
from mimetic.cli._options import JsonOpt
from mimetic.cli._output import set_root_json

COMMAND_MODULES = (
    "init", "doctor", "run", "verify", "review", "runs", "watch", "observe", "export", "cleanup",
    "stats", "lab", "feedback", "schema", "lane", "replay",
)

app = typer.Typer(
    name="mimetic",
    help="Simulate real users trying a product: labs of personas, run bundles, and a live Observer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def root(
    json: JsonOpt = False,
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True, callback=_version),
) -> None:
    set_root_json(json)


for _name in COMMAND_MODULES:
    importlib.import_module(f"mimetic.cli.{_name}").register(app)


def main() -> None:
    # `pnpm mimetic -- watch` style: a leading `--` separator is tolerated.
    if len(sys.argv) > 1 and sys.argv[1] == "--":
        del sys.argv[1]
    app(prog_name="mimetic")
