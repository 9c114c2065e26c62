"""The local Codex exec actor (`run --actor codex-exec`, or `MIMETIC_ENABLE_LOCAL_CODEX_EXEC=1`).

Non-interactive: `codex exec --json` in a read-only Codex sandbox, one process per lane, at most
`MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY` (default 4) at a time. It works in the terminal, not on a
screen: the `surface` of the actor interface is not used. Each lane looks at one part of the product
(a focus), so a fan-out covers different ground. The actor runs with the user's own Codex login on
this machine; it is never started without the flag or the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mimetic.actors.actor import Brief
from mimetic.actors.codex_command import LocalCodexActor
from mimetic.errors import MimeticError

KIND = "codex-exec"
ENABLE_ENV = "MIMETIC_ENABLE_LOCAL_CODEX_EXEC"
CONCURRENCY_ENV = "MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY"
DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class Focus:
    id: str
    label: str
    instruction: str


FOCUSES = (
    Focus("install-readability", "install/readability",
          "judge whether a newcomer understands from the repository's own files what this product is and how to start it"),
    Focus("public-safety-trust", "public-safety/trust",
          "check what the product and its mimetic setup promise about data, credentials and safety, and whether it holds"),
    Focus("observer-evidence", "Observer/evidence",
          "look at the evidence mimetic already wrote (.mimetic/runs) and say what a reviewer could and could not learn"),
    Focus("verification-release", "verification/release",
          "check how a change to this product is verified before release, and what a user-facing regression would slip past"),
)


def focus_for(index: int) -> Focus:
    return FOCUSES[index % len(FOCUSES)]


def max_concurrency(environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    raw = (environ.get(CONCURRENCY_ENV) or "").strip()
    if not raw:
        return DEFAULT_CONCURRENCY
    if not raw.isdigit() or int(raw) < 1:
        raise MimeticError("MIMETIC_INVALID_ACTOR_CONCURRENCY", f"{CONCURRENCY_ENV} must be a positive integer, got {raw!r}.")
    return int(raw)


def default_argv(cwd: Path, prompt: str, *, sandbox: str = "read-only", model: str | None = None,
                 last_message: Path | None = None) -> list[str]:
    argv = ["codex", "exec", "--json", "--skip-git-repo-check", "--ephemeral", "-C", str(cwd)]
    argv += ["--dangerously-bypass-approvals-and-sandbox"] if sandbox == "bypass" else ["--sandbox", sandbox]
    if model:
        argv += ["-m", model]
    if last_message is not None:
        argv += ["--output-last-message", str(last_message)]
    return [*argv, prompt]


def lane_prompt(brief: Brief, focus: Focus, index: int, total: int) -> str:
    persona = brief.persona.name if brief.persona else "a first-time user"
    scenario = brief.scenario.title if brief.scenario else "first run"
    return " ".join([
        f"You are lane {index} of {total} of a mimetic user study, acting as {persona} in the scenario {scenario!r}.",
        brief.goal,
        f"Your focus: {focus.instruction}.",
        "Work read-only: read files and run at most two commands that write nothing (no installs, builds, tests,",
        "`mimetic init/run/watch/feedback`, nothing under .mimetic/). Never print secrets, commit, push or file issues.",
        "End with what you observed: one concrete friction or improvement (or 'none observed'), naming the files you read.",
    ])


class CodexExecActor(LocalCodexActor):
    kind = KIND

    def default_argv(self, prompt: str) -> list[str]:
        return default_argv(self.cwd, prompt)
