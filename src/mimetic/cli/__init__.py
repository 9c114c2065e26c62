"""The `mimetic` command line: Typer parses options, domain modules do the work.

Command modules import only typer at module level; every domain and heavy import happens inside
the command body, so `mimetic --help` stays as fast as importing typer.
"""

from __future__ import annotations

import atexit
import functools
import gc
import importlib
import signal
import sys

import typer

from mimetic import __version__
from mimetic.cli._options import JsonOpt
from mimetic.cli._output import set_root_json

COMMAND_MODULES = (
    "init", "doctor", "run", "verify", "review", "runs", "watch", "observe", "export", "cleanup",
    "stats", "lab", "feedback", "schema", "lane", "help", "replay",
)
# Commands another command's module calls, registered before it (lab's `oss` alias runs `watch`).
NEEDS = {"lab": ("watch",)}


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


def root(
    json: JsonOpt = False,
    strict: bool = typer.Option(False, "--strict", help="Unknown manifest fields are errors (exit 2), not warnings; also MIMETIC_STRICT=1."),
    version: bool = typer.Option(False, "--version", "-V", help="Print the version and exit.", is_eager=True, callback=_version),
) -> None:
    set_root_json(json)
    # Reset per invocation (tests run many commands in one process); import the loader only if needed.
    if strict or "mimetic.manifests" in sys.modules:
        from mimetic.manifests import set_strict, take_warnings

        set_strict(strict)
        take_warnings()


@functools.cache
def build_app(commands: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The command line with these commands (each module's name is its command's name), built once per set for
    all the commands a process runs (a lane server's steps)."""
    app = typer.Typer(
        name="mimetic",
        help="Simulate real users trying a product: labs of personas, run bundles, and a live Observer.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},  # 0.1.5 (commander) answers -h too
    )
    app.callback()(root)
    for name in commands:
        importlib.import_module(f"mimetic.cli.{name}").register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    # `from mimetic.cli import app` (tests, generated docs): the whole command line.
    if name == "app":
        return build_app(COMMAND_MODULES)
    raise AttributeError(name)


def invoked_commands(argv: list[str]) -> tuple[str, ...]:
    """The one command module a command line needs, or all of them (help, `mimetic help <command>`, an
    unknown or missing command): building only the invoked command saves importing and converting the
    other sixteen at every start."""
    for arg in argv:
        if arg in ("-h", "--help"):
            break
        if not arg.startswith("-"):
            return (*NEEDS.get(arg, ()), arg) if arg in COMMAND_MODULES and arg != "help" else COMMAND_MODULES
    return COMMAND_MODULES


def normalized(argv: list[str]) -> list[str]:
    """The arguments as the app parses them."""
    argv = list(argv)
    # `pnpm mimetic -- watch` style: a leading `--` separator is tolerated.
    if argv and argv[0] == "--":
        del argv[0]
    # `mimetic doctor --strict` reads naturally; --strict is a root option, so it is moved there.
    if "--strict" in argv[1:]:
        argv.remove("--strict")
        argv.insert(0, "--strict")
    return argv


def main() -> None:
    from mimetic.interrupts import command_scope, exit_quietly

    signal.signal(signal.SIGINT, exit_quietly)  # until the command's body runs (`execute`)
    # The interpreter's last collections walk every object a command made; on a loaded machine that took
    # seconds after the work was done (a stopped Observer, a finished run). Nothing left needs collecting.
    atexit.register(gc.freeze)
    with command_scope(restore=False):  # the process exits after the command: signals it held stay held
        _invoke(sys.argv[1:])


def _invoke(argv: list[str]) -> None:
    argv = normalized(argv)
    build_app(invoked_commands(argv))(args=argv, prog_name="mimetic")


def run_in_process(argv: list[str]) -> int:
    """`mimetic argv…` run in this process as it runs in its own (a lane server's steps): the same output on the
    same streams and the same exit code, a traceback on stderr and exit 1 for an unexpected error, and every
    signal handler it installed put back afterwards."""
    import traceback

    from mimetic.interrupts import command_scope, exit_quietly

    signal.signal(signal.SIGINT, exit_quietly)
    with command_scope(restore=True):
        try:
            _invoke(argv)
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0
            print(exc.code, file=sys.stderr)  # how the interpreter reports a non-integer exit
            return 1
        except Exception:  # noqa: BLE001 - an uncaught error ends a fresh process with a traceback and exit 1
            traceback.print_exc()
            return 1
    return 0
