"""Running a local Codex actor command: what both Codex actors (codex_exec.py, codex_tui.py) and the lane's
setup actor (lanes/setup_actor.py) share.

    command = resolve_command(default_argv, environ)         # MIMETIC_CODEX_ACTOR_COMMAND replaces the default
    outcome = run_command(command, cwd=..., timeout_ms=..., env=..., nonce=...)

The process gets its own session (a timeout or a verdict marker ends its whole group), its output is the
transcript (stdout and stderr interleaved, bounded, terminal control sequences removed, secrets redacted),
and its status follows 0.1.5: a nonce-bearing `MIMETIC_ACTOR_VERDICT=<passed|blocked|failed>` line decides
(and ends the process); without one, exit 0 is `passed`; a command that cannot start is `blocked`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mimetic.errors import MimeticError
from mimetic.safety.redact import redact_text

COMMAND_ENV = "MIMETIC_CODEX_ACTOR_COMMAND"
TIMEOUT_ENV = "MIMETIC_CODEX_ACTOR_TIMEOUT_MS"
DEFAULT_TIMEOUT_MS = 240_000
MAX_TIMEOUT_MS = 600_000
TRANSCRIPT_MAX_CHARS = 80_000
KILL_GRACE_S = 2.0
NONCE_ENV = "MIMETIC_ACTOR_VERDICT_NONCE"

Status = Literal["passed", "failed", "blocked", "timed_out"]

_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_ESC = re.compile(r"\x1b[78=>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Terminal queries a TUI waits on before it draws: cursor position and the foreground/background colours.
_CURSOR_QUERY = "\x1b[6n"
_COLOUR_QUERY = re.compile(r"\x1b\](10|11|12);\?(?:\x07|\x1b\\)")


@dataclass(frozen=True)
class ActorCommand:
    argv: list[str]
    custom: bool  # from MIMETIC_CODEX_ACTOR_COMMAND (or a caller's override), not the default codex argv

    @property
    def name(self) -> str:
        return Path(self.argv[0]).name

    def missing(self, path: str | None = None, where: str = "PATH") -> str | None:
        """Why the command cannot start here (its executable is not found on `path`), or None."""
        if shutil.which(self.argv[0], path=path) is None:
            return (f"{self.argv[0]!r} is not on {where}; install the Codex CLI (npm install -g @openai/codex) "
                    f"or point {COMMAND_ENV} at the command to run.")
        return None


@dataclass(frozen=True)
class CommandOutcome:
    status: Status
    reason: str
    transcript: str  # normalised and redacted
    transcript_bytes: int
    duration_ms: int
    exit_code: int | None = None
    signal: str | None = None


def resolve_command(default: list[str], environ: Mapping[str, str] | None = None) -> ActorCommand:
    """The default argv, or the command line in MIMETIC_CODEX_ACTOR_COMMAND (shell words, no shell)."""
    environ = os.environ if environ is None else environ
    raw = (environ.get(COMMAND_ENV) or "").strip()
    if raw:
        try:
            argv = shlex.split(raw)
        except ValueError as exc:
            raise MimeticError("MIMETIC_INVALID_ACTOR_COMMAND", f"{COMMAND_ENV} is not a valid command line: {exc}.") from exc
        if argv:
            return ActorCommand(argv, custom=True)
    return ActorCommand(list(default), custom=False)


def actor_timeout_ms(flag: int | None, environ: Mapping[str, str] | None = None) -> int:
    """--timeout-ms, else MIMETIC_CODEX_ACTOR_TIMEOUT_MS, else 240000; 1..600000 or MIMETIC_INVALID_TIMEOUT."""
    environ = os.environ if environ is None else environ
    value: int | None = flag
    if value is None:
        raw = (environ.get(TIMEOUT_ENV) or "").strip()
        value = DEFAULT_TIMEOUT_MS if not raw else int(raw) if raw.isdigit() else -1
    if not 1 <= value <= MAX_TIMEOUT_MS:
        raise MimeticError("MIMETIC_INVALID_TIMEOUT",
                           f"--timeout-ms (or {TIMEOUT_ENV}) must be an integer between 1 and {MAX_TIMEOUT_MS}.")
    return value


def normalise(text: str) -> str:
    """A transcript without terminal control sequences, with plain newlines."""
    text = _ESC.sub("", _CSI.sub("", _OSC.sub("", text)))
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def verdict_marker(text: str, nonce: str | None) -> Status | None:
    """The actor's final `MIMETIC_ACTOR_VERDICT=<status> MIMETIC_ACTOR_NONCE=<nonce>` (whitespace-insensitive).

    With a nonce, only a marker carrying it counts: an echoed prompt or a quoted doc shows the format,
    never this run's nonce."""
    compact = re.sub(r"\s+", "", text)
    pattern = r"MIMETIC_ACTOR_VERDICT=(passed|blocked|failed)" + (rf"MIMETIC_ACTOR_NONCE={re.escape(nonce)}" if nonce else "")
    found = re.search(pattern, compact, re.IGNORECASE)
    return found.group(1).lower() if found else None  # type: ignore[return-value]


def _answer_queries(buffer: str, stdin) -> str:
    """Answer a TUI's startup queries (cursor position, colours) so it draws without a real terminal."""
    while True:
        cursor = buffer.find(_CURSOR_QUERY)
        colour = _COLOUR_QUERY.search(buffer)
        if cursor < 0 and colour is None:
            return buffer[-128:]
        if cursor >= 0 and (colour is None or cursor < colour.start()):
            reply, buffer = "\x1b[24;120R", buffer[cursor + len(_CURSOR_QUERY):]
        else:
            slot = colour.group(1)
            reply = "\x1b]11;rgb:0000/0000/0000\x07" if slot == "11" else f"\x1b]{slot};rgb:ffff/ffff/ffff\x07"
            buffer = buffer[colour.end():]
        try:
            stdin.write(reply.encode("latin-1"))
            stdin.flush()
        except (OSError, ValueError):
            return ""


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the actor's process group, SIGKILL whatever is left after a grace period."""
    for sig, wait_s in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def run_command(command: ActorCommand, *, cwd: Path, timeout_ms: int, env: Mapping[str, str],
                nonce: str | None = None, interactive: bool = False,
                scrub: Callable[[str], str] = redact_text) -> CommandOutcome:
    """Run the actor command to its end (exit, verdict marker or timeout); never raises for its outcome.

    `interactive` keeps stdin open to answer a TUI's terminal queries; otherwise stdin is /dev/null
    (`codex exec` reads a piped stdin as more prompt and would wait forever). `scrub` cleans the transcript
    (secrets, and local paths where the caller knows them)."""
    started = time.monotonic()
    environment = {**env, **({NONCE_ENV: nonce} if nonce else {})}
    environment.setdefault("TERM", "xterm-256color")
    environment.setdefault("COLUMNS", "120")
    environment.setdefault("LINES", "40")
    try:
        process = subprocess.Popen(command.argv, cwd=cwd, env=environment, start_new_session=True,
                                   stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as exc:
        return CommandOutcome("blocked", f"actor command could not start: {exc.strerror or exc}", "", 0,
                              int((time.monotonic() - started) * 1000))
    chunks: list[str] = []
    size = [0, 0]  # bytes read, characters kept
    marker: list[Status] = []
    marker_seen = threading.Event()

    def read() -> None:
        pending = ""
        assert process.stdout is not None
        for raw in iter(lambda: process.stdout.read1(65536), b""):
            size[0] += len(raw)
            text = raw.decode("utf-8", errors="replace")
            chunks.append(text)
            size[1] += len(text)
            while size[1] > 2 * TRANSCRIPT_MAX_CHARS and len(chunks) > 1:  # keep the tail only
                size[1] -= len(chunks.pop(0))
            if interactive and process.stdin is not None:
                pending = _answer_queries(pending + raw.decode("latin-1"), process.stdin)
            if not marker:
                found = verdict_marker(normalise("".join(chunks)[-8000:]), nonce)
                if found:
                    marker.append(found)
                    marker_seen.set()

    reader = threading.Thread(target=read, name="codex-actor-output", daemon=True)
    reader.start()
    deadline = started + timeout_ms / 1000
    timed_out = False
    while process.poll() is None:
        if marker_seen.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
            _stop_group(process)  # the actor gave its verdict: a TUI session would otherwise stay open
            break
        if time.monotonic() >= deadline:
            timed_out = True
            _stop_group(process)
            break
    process.wait()
    reader.join(timeout=5)
    if process.stdin is not None:
        process.stdin.close()
    transcript = scrub(normalise("".join(chunks)))[-TRANSCRIPT_MAX_CHARS:]
    duration = int((time.monotonic() - started) * 1000)
    code = process.returncode
    exit_code, sig = (code, None) if code is not None and code >= 0 else (None, signal.Signals(-code).name if code else None)
    found = marker[0] if marker else verdict_marker(transcript, nonce)
    if timed_out and not found:
        return CommandOutcome("timed_out", f"actor exceeded its {timeout_ms} ms timeout", transcript, size[0], duration,
                              exit_code, sig)
    if found and (marker or code == 0):
        return CommandOutcome(found, f"actor reported a {found} verdict", transcript, size[0], duration, exit_code, sig)
    if code != 0:
        status: Status = "blocked" if found == "blocked" else "failed"
        return CommandOutcome(status, f"actor process exited with code {code if exit_code is not None else sig}",
                              transcript, size[0], duration, exit_code, sig)
    return CommandOutcome("passed", "actor process exited successfully", transcript, size[0], duration, exit_code, sig)


class LocalCodexActor:
    """What both local Codex actors share (the actor interface of actors/actor.py over a local command).

    A subclass names its `kind`, its `default_argv(cwd, prompt)`, its prompt (`prompt_for`) and whether it
    needs a terminal (`interactive`, with a verdict `nonce`). `run` never raises for the actor's outcome."""

    kind = ""
    model: str | None = None
    interactive = False
    transcript_name = "{stream}-sanitized.jsonl"

    def __init__(self, cwd: Path, *, timeout_ms: int, environ: Mapping[str, str] | None = None,
                 scrub: Callable[[str], str] = redact_text):
        self.cwd = cwd
        self.scrub = scrub
        self.timeout_ms = timeout_ms
        self.environ = dict(os.environ if environ is None else environ)
        self.nonce: str | None = None

    def default_argv(self, prompt: str) -> list[str]:
        raise NotImplementedError

    def prompt_for(self, brief) -> str:
        return brief.goal

    def command(self, prompt: str) -> ActorCommand:
        return resolve_command(self.default_argv(prompt), self.environ)

    def problem(self, command: ActorCommand) -> str | None:
        """Why the actor cannot start (checked before any lane runs), or None."""
        return command.missing(self.environ.get("PATH"))

    def preflight(self):
        from mimetic.actors.actor import Preflight

        command = self.command("")
        problem = self.problem(command)
        return Preflight("blocked", problem) if problem else Preflight("passed", f"{command.name} is on PATH.")

    def execute(self, prompt: str) -> CommandOutcome:
        return run_command(self.command(prompt), cwd=self.cwd, timeout_ms=self.timeout_ms, env=self.environ,
                           nonce=self.nonce, interactive=self.interactive, scrub=self.scrub)

    def run(self, surface: object, brief, *, budget=None, store, stream_id: str):
        """The actor interface: a local Codex actor works in the terminal, so `surface` is not used."""
        from mimetic.clock import now_iso

        started = now_iso()
        outcome = self.execute(self.prompt_for(brief))
        return write_lane_report(store, stream_id=stream_id, kind=self.kind, outcome=outcome,
                                 transcript_path="transcripts/" + self.transcript_name.format(stream=stream_id),
                                 started_at=started, ended_at=now_iso())


def write_lane_report(store, *, stream_id: str, kind: str, outcome: CommandOutcome, transcript_path: str,
                      started_at: str, ended_at: str):
    """The lane's redacted transcript and its `actors/<stream>.json` report (mimetic.actor.v1)."""
    from mimetic.contracts.evidence import ActorReport
    from mimetic.lanes.scrub import tail

    store.write_text(transcript_path, outcome.transcript or "No transcript output captured.\n")
    report = ActorReport(id=stream_id, kind=kind, status=outcome.status,
                         verdict=outcome.status if outcome.status in ("passed", "blocked", "failed") else None,
                         reason=outcome.reason, started_at=started_at, ended_at=ended_at,
                         duration_ms=outcome.duration_ms, cost_usd=None, transcript_path=transcript_path,
                         last_message_tail=tail(outcome.transcript, 20, 4000))
    store.write_json(f"actors/{stream_id}.json", report.to_json())
    return report
