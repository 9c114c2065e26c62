"""The local Codex TUI actor (`run --actor codex-tui`, or `MIMETIC_ENABLE_LOCAL_CODEX_TUI=1`): one lane only.

The Codex TUI needs a terminal: on Linux it runs under `script` (a pseudo-terminal) and this process
answers the cursor and colour queries it asks before drawing. It ends when it prints its final
`MIMETIC_ACTOR_VERDICT=<status> MIMETIC_ACTOR_NONCE=<nonce>` line (the nonce is this run's, so an echoed
prompt is not a verdict) or at the timeout. Before the default `codex` starts, a trust preflight reads
Codex's config: an untrusted project root would stop the TUI at its trust prompt until the timeout, so the
lane is `blocked` at once with the command that trusts it (`MIMETIC_SKIP_CODEX_TRUST_PREFLIGHT=1` skips it).
"""

from __future__ import annotations

import re
import secrets
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from mimetic.actors.actor import Brief
from mimetic.actors.codex_command import ActorCommand, LocalCodexActor

KIND = "codex-tui"
ENABLE_ENV = "MIMETIC_ENABLE_LOCAL_CODEX_TUI"
SKIP_TRUST_ENV = "MIMETIC_SKIP_CODEX_TRUST_PREFLIGHT"
_PROJECT_SECTION = re.compile(r'^\[projects\."((?:\\.|[^"\\])*)"\]\s*$', re.M)
_TRUSTED = re.compile(r'^trust_level\s*=\s*"trusted"\s*$', re.M)


def default_argv(cwd: Path, prompt: str) -> list[str]:
    codex = ["codex", "--no-alt-screen", "-C", str(cwd), "--sandbox", "read-only", "--ask-for-approval", "never", prompt]
    return ["script", "-qfec", shlex.join(codex), "/dev/null"] if sys.platform.startswith("linux") else codex


def tui_prompt(brief: Brief, nonce: str) -> str:
    persona = brief.persona.name if brief.persona else "a first-time user"
    scenario = brief.scenario.title if brief.scenario else "first run"
    return " ".join([
        f"You are a mimetic user-study actor in a terminal, acting as {persona} in the scenario {scenario!r}.",
        brief.goal,
        "Work read-only: read files and run at most two commands that write nothing (no installs, builds, tests,",
        "`mimetic init/run/watch/feedback`, nothing under .mimetic/). Never print secrets, commit, push or file issues.",
        "Say what you observed: one concrete friction or improvement, or 'none observed'.",
        f"Then print one last line exactly: MIMETIC_ACTOR_VERDICT=<status> MIMETIC_ACTOR_NONCE={nonce}",
        "with <status> one lowercase word: passed, blocked or failed.",
    ])


def _trust_root(cwd: Path) -> Path | None:
    """The folder Codex asks to trust: the git worktree root, or the main checkout of a linked worktree."""
    for folder in (cwd.resolve(), *cwd.resolve().parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return folder
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if not text.startswith("gitdir:"):
                return folder
            git_dir = (folder / text.removeprefix("gitdir:").strip()).resolve()
            common = git_dir / "commondir"
            if not common.is_file():
                return folder
            common_dir = (git_dir / common.read_text(encoding="utf-8").strip()).resolve()
            return common_dir.parent if common_dir.name == ".git" else folder
    return None


def trust_problem(cwd: Path, environ: Mapping[str, str]) -> str | None:
    """Why the TUI would stop at Codex's trust prompt (with the command that fixes it), or None."""
    if environ.get(SKIP_TRUST_ENV) == "1":
        return None
    root = _trust_root(cwd)
    if root is None:
        return None
    home = Path(environ.get("CODEX_HOME") or Path(environ.get("HOME") or Path.home()) / ".codex")
    try:
        config = (home / "config.toml").read_text(encoding="utf-8")
    except OSError:
        config = ""
    sections = list(_PROJECT_SECTION.finditer(config))
    for number, section in enumerate(sections):
        end = sections[number + 1].start() if number + 1 < len(sections) else len(config)
        path = re.sub(r'\\(["\\])', r"\1", section.group(1))
        if _TRUSTED.search(config[section.end():end]) and Path(path).resolve() == root:
            return None
    return (f"Codex workspace trust preflight blocked the local TUI: {root} is not trusted as an exact Codex project "
            f"root. Trust it once with `codex --no-alt-screen -C {shlex.quote(str(root))}`, or set {SKIP_TRUST_ENV}=1.")


class CodexTuiActor(LocalCodexActor):
    kind = KIND
    interactive = True
    transcript_name = "codex-tui-sanitized.txt"

    def __init__(self, cwd: Path, **options):
        super().__init__(cwd, **options)
        self.nonce = secrets.token_hex(6)

    def default_argv(self, prompt: str) -> list[str]:
        return default_argv(self.cwd, prompt)

    def prompt_for(self, brief: Brief) -> str:
        return tui_prompt(brief, self.nonce or "")

    def problem(self, command: ActorCommand) -> str | None:
        missing = command.missing(self.environ.get("PATH"))
        if missing or command.custom:
            return missing
        # `script` is there; the codex it wraps must be too, and trust this project (else it waits at a prompt).
        return ActorCommand(["codex"], custom=False).missing(self.environ.get("PATH")) or trust_problem(self.cwd, self.environ)
