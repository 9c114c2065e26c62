"""Options shared by many commands, declared once."""

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
SimsOpt = Annotated[Optional[int], typer.Option("--sims", help="Number of simulated lanes.")]
DryRunOpt = Annotated[Optional[bool], typer.Option("--dry-run/--live", help="Write contract evidence only; launch nothing.", show_default=False)]
OpenOpt = Annotated[Optional[bool], typer.Option("--open/--no-open", help="Open the Observer in a browser.", show_default=False)]
PortOpt = Annotated[int, typer.Option("--port", help="Loopback port for the Observer server (0 = ephemeral).", min=0, max=65535)]
RepoOpt = Annotated[Optional[list[str]], typer.Option("--repo", help="GitHub owner/repo slug (repeatable).")]
ReposOpt = Annotated[Optional[str], typer.Option("--repos", help="Comma-separated GitHub owner/repo slugs.")]
CountOpt = Annotated[Optional[int], typer.Option("--count", help="Number of lanes (cycles through the repos).")]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", help="Number of repos for the smoke lab.")]
RedactOpt = Annotated[
    Optional[bool], typer.Option("--redact-repos/--no-redact-repos", help="Label lanes repo-NN instead of slugs.", show_default=False)
]
KeepOpt = Annotated[bool, typer.Option("--keep", help="Keep sandboxes and clones after the run.")]
DetachOpt = Annotated[bool, typer.Option("--detach", help="Render and exit instead of serving the Observer.")]
SubstrateOpt = Annotated[Optional[str], typer.Option("--substrate", help="Where live lanes run: e2b or local.")]
UnsandboxedOpt = Annotated[bool, typer.Option(
    "--unsandboxed", help="Run local lanes without the bubblewrap sandbox (unsafe: repository code can read your files).")]
ConcurrencyOpt = Annotated[Optional[int], typer.Option("--concurrency", help="Lanes run at once (default min(lanes, 8)).")]
