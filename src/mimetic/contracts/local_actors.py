"""The trace a local Codex actor run leaves (`run --actor codex-exec|codex-tui`), in 0.1.5's shapes.

`actor.json` (one lane) or `traces/<stream>.json` (a fan-out) holds it; `actors/<stream>.json` is the
lane's `mimetic.actor.v1` report as for every other actor here.
"""

from typing import ClassVar, Literal

from pydantic import Field

from mimetic.contracts.base import Record

LocalActorStatus = Literal["passed", "failed", "blocked", "timed_out"]


class LocalCodexTrace(Record):
    """What both traces hold (0.1.5 wrote the same fields for both actors)."""

    command_name: str = Field(description="The executable's base name (never its arguments: the prompt is not kept).")
    prompt_digest: str = Field(description="sha256 of the prompt (the raw prompt is not kept).")
    started_at: str
    completed_at: str
    duration_ms: int
    exit_code: int | None = None
    signal: str | None = None
    status: LocalActorStatus
    timeout_ms: int
    transcript_bytes: int
    transcript_path: str = Field(description="Run-relative path of the redacted transcript.")
    redaction: Literal["passed"] = "passed"


class LocalCodexExecTrace(LocalCodexTrace):
    SCHEMA_ID: ClassVar[str] = "mimetic.local-codex-exec-actor.v1"
    schema_: Literal["mimetic.local-codex-exec-actor.v1"] = Field("mimetic.local-codex-exec-actor.v1", alias="schema")
    actor: Literal["codex-exec"] = "codex-exec"
    focus_id: str = Field(description="Which part of the product this lane looked at.")


class LocalCodexTuiTrace(LocalCodexTrace):
    SCHEMA_ID: ClassVar[str] = "mimetic.local-codex-tui-actor.v1"
    schema_: Literal["mimetic.local-codex-tui-actor.v1"] = Field("mimetic.local-codex-tui-actor.v1", alias="schema")
    actor: Literal["codex-tui"] = "codex-tui"
    verdict_nonce: str = Field(description="The nonce the final verdict line had to carry.")
