"""Output modes: `--json` prints exactly one JSON document on stdout; human mode uses rich.

Errors go to stderr as `CODE: message` (human) or as the result/error document (JSON).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from mimetic.errors import EXIT_INTERRUPTED, MimeticError

Printer = Callable[[Any], None]


@dataclass
class Outcome:
    """What a command produced: its JSON document, how to show it to a person, and its exit code."""

    data: dict[str, Any]
    exit_code: int = 0
    human: Printer | None = None
    # Credentials this process made for the user to use (a served Observer's token and tokened URL):
    # set into the document after redaction, which would otherwise blank the `?token=` they carry.
    issued: dict[str, Any] | None = None


# Set by the root callback on every invocation (`mimetic --json verify`).
_root_json = False


def set_root_json(value: bool) -> None:
    global _root_json
    _root_json = value


def json_wanted(local_flag: bool) -> bool:
    """`--json` may be given on the command or on the root."""
    return local_flag or _root_json


def console(stderr: bool = False):
    """The one way human output reaches a terminal (see `_plain_text_console`)."""
    return _plain_text_console()(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


@functools.cache
def _plain_text_console():
    """A rich Console whose every string and text (lines, warnings, errors, table cells and titles, the live lane
    table) loses its terminal control sequences before it is drawn (safety/terminal.py), whatever repository,
    manifest or log it came from. Rich's own styles and cursor moves are kept. Built on first use: rich is heavy."""
    from rich.console import Console
    from rich.segment import Segment

    from mimetic.safety.terminal import strip_controls

    class PlainTextConsole(Console):
        def render_str(self, text: str, **options: Any):
            return super().render_str(strip_controls(text), **options)

        def render(self, renderable: Any, options: Any = None):
            for segment in super().render(renderable, options):
                clean = segment.text if segment.control else strip_controls(segment.text)
                yield segment if clean == segment.text else Segment(clean, segment.style)

    return PlainTextConsole


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


ErrorBase = dict[str, Any] | Callable[[], dict[str, Any]] | None


def error_document(error: MimeticError, base: ErrorBase = None) -> dict[str, Any]:
    """The failing command's own document: its result if it had one, else its schema and identifying
    fields (`base`, as 0.1.5 prints them), else the generic cli-response envelope."""
    info = {"code": error.code, "message": error.message}
    if error.result is not None:
        data = error.result.to_json() if hasattr(error.result, "to_json") else dict(error.result)
        data.setdefault("ok", False)
        data["error"] = info
        return data
    fields = dict((base() if callable(base) else base) or {})
    schema = fields.pop("schema", "mimetic.cli-response.v1")
    return {"schema": schema, "ok": False, **fields, "error": info}


def resolved_cwd(cwd: str) -> str:
    from pathlib import Path

    return str(Path(cwd).expanduser().resolve())


def execute(json_mode: bool, action: Callable[[], Outcome], error_base: ErrorBase = None) -> None:
    """Run one command body and turn its outcome or error into output and an exit code."""
    from mimetic.interrupts import command_scope

    # A run that holds stop signals while it concludes keeps them held until its result is printed here.
    with command_scope():
        _execute(json_mode, action, error_base)


def _execute(json_mode: bool, action: Callable[[], Outcome], error_base: ErrorBase) -> None:
    from mimetic.interrupts import ctrl_c_raises, stop_requested
    from mimetic.safety.redact import redact_text, redact_value

    try:
        try:
            ctrl_c_raises()  # inside the try: a Ctrl-C from here on is settled below, one before it ends the process
            outcome = action()
        except Exception:
            if stop_requested():  # the KeyboardInterrupt came back as another error (an import's extension module)
                raise KeyboardInterrupt from None
            raise
    except MimeticError as error:
        warnings_block(_manifest_warnings())
        error.message = redact_text(error.message)
        if json_mode:
            print_json(redact_value(error_document(error, error_base)))
        else:
            console(stderr=True).print(f"{error.code}: {error.message}", markup=False)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        if json_mode:  # still exactly one JSON document on stdout
            interrupted = MimeticError("MIMETIC_INTERRUPTED", "Interrupted (Ctrl-C) before the command finished.")
            print_json(error_document(interrupted))
        else:
            console(stderr=True).print("interrupted", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    found = _manifest_warnings()
    if isinstance(outcome.data.get("warnings"), list):
        outcome.data["warnings"] = list(dict.fromkeys([*found, *outcome.data["warnings"]]))
    else:
        warnings_block(found)
    if json_mode or outcome.human is None:
        print_json({**redact_value(outcome.data), **(outcome.issued or {})})
    else:
        outcome.human(outcome.data)
    raise typer.Exit(outcome.exit_code)


def _manifest_warnings() -> list[str]:
    """Unknown-field warnings from manifests this command loaded (none if it loaded no manifest)."""
    manifests = sys.modules.get("mimetic.manifests")
    return manifests.take_warnings() if manifests is not None else []


def lines(*text: str, stderr: bool = False) -> None:
    """Plain human lines (no rich markup interpretation, so `[target-cwd]` prints as is)."""
    out = console(stderr=stderr)
    for line in text:
        out.print(line, markup=False)


def warnings_block(warnings: list[str]) -> None:
    if warnings:
        out = console(stderr=True)
        for warning in warnings:
            out.print(f"warning: {warning}", markup=False, style="yellow")
