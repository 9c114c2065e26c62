"""Options shared by many commands, declared once.

Numbers are taken as text and parsed in the command body (`integer`), so a bad number is a mimetic
error with 0.1.5's code (one JSON document with `--json`), not click's usage text.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

CwdOpt = Annotated[str, typer.Option("--cwd", help="Target project directory.", show_default=True)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]
RunOpt = Annotated[str, typer.Option("--run", help="Run id, or 'latest'.")]
EnvFileOpt = Annotated[
    Optional[str],
    typer.Option("--env-file", help="Load NAME=value lines into this process only (values are never printed or saved)."),
]
RunIdOpt = Annotated[Optional[str], typer.Option("--run-id", help="Run id to use (lower-case letters, digits, dashes).")]
SimsOpt = Annotated[Optional[str], typer.Option("--sims", help="Number of simulated lanes.", metavar="N")]
DryRunOpt = Annotated[Optional[bool], typer.Option("--dry-run/--live", help="Write contract evidence only; launch nothing.", show_default=False)]
OpenOpt = Annotated[Optional[bool], typer.Option("--open/--no-open", help="Open the Observer in a browser.", show_default=False)]
PortOpt = Annotated[str, typer.Option("--port", help="Loopback port for the Observer server (0 = ephemeral).", metavar="PORT")]
RepoOpt = Annotated[Optional[list[str]], typer.Option("--repo", help="GitHub owner/repo slug (repeatable).")]
ReposOpt = Annotated[Optional[str], typer.Option("--repos", help="Comma-separated GitHub owner/repo slugs.")]
CountOpt = Annotated[Optional[str], typer.Option("--count", help="Number of lanes (cycles through the repos).", metavar="N")]
LimitOpt = Annotated[Optional[str], typer.Option("--limit", help="Number of repos for the smoke lab.", metavar="N")]
RedactOpt = Annotated[
    Optional[bool], typer.Option("--redact-repos/--no-redact-repos", help="Label lanes repo-NN instead of slugs.", show_default=False)
]
KeepOpt = Annotated[bool, typer.Option("--keep", help="Keep sandboxes and clones after the run.")]
DetachOpt = Annotated[bool, typer.Option("--detach", help="Render and exit instead of serving the Observer.")]
SubstrateOpt = Annotated[Optional[str], typer.Option("--substrate", help="Where live lanes run: e2b or local.")]
UnsandboxedOpt = Annotated[bool, typer.Option(
    "--unsandboxed", help="Run local lanes without the bubblewrap sandbox (unsafe: repository code can read your files).")]
ConcurrencyOpt = Annotated[Optional[str], typer.Option("--concurrency", help="Lanes run at once (default min(lanes, 8)).", metavar="N")]

# 0.1.5's error code for each numeric flag.
NUMBER_CODES = {
    "--sims": "MIMETIC_INVALID_SIM_COUNT", "--count": "MIMETIC_INVALID_OSS_COUNT", "--limit": "MIMETIC_INVALID_OSS_LIMIT",
    "--concurrency": "MIMETIC_INVALID_CONCURRENCY", "--port": "MIMETIC_INVALID_PORT", "--timeout-ms": "MIMETIC_INVALID_TIMEOUT",
}


def integer(value: str | None, flag: str) -> int | None:
    """A whole number given as text (None stays None); anything else is the flag's own error, exit 2."""
    if value is None:
        return None
    text = value.strip()
    if not text.lstrip("+-").isdigit() or not text.isascii():
        from mimetic.errors import MimeticError

        raise MimeticError(NUMBER_CODES[flag], f"{flag} must be an integer, got {value!r}.")
    return int(text)
