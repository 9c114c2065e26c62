"""The lane-level actor interface: whatever uses the product in a lane, model-driven or not.

    actor = make_actor("openai-cua")                  # actors/registry.py; MimeticError (exit 2) on an unknown kind
    pre = actor.preflight()                           # before any sandbox starts; no model turn is spent
    report = actor.run(surface, Brief(goal, persona, scenario), budget=..., store=..., stream_id=...)

`surface` is the `Computer` the lane offers (a Playwright page or an E2B desktop). A Playwright-backed
surface also exposes `.page` (the live `playwright.sync_api.Page`), so a non-model actor that drives the
page directly (the keyless explorer) sits behind the same entry point. `run` never raises for an actor
outcome: it writes `actors/<stream>.json` (an `ActorReport`) and returns it; only KeyboardInterrupt passes
through. Model actors (`ModelActor`) plug a `Provider` (actors/providers/) into the one computer-use loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from mimetic.actors.budget import ActorBudget
    from mimetic.actors.computer import Computer
    from mimetic.bundle.store import RunStore
    from mimetic.contracts.evidence import ActorReport
    from mimetic.contracts.manifests import Persona, Scenario


@dataclass(frozen=True)
class Brief:
    """What the actor is asked to do, and as whom."""

    goal: str
    persona: Persona | None = None
    scenario: Scenario | None = None


@dataclass(frozen=True)
class Preflight:
    """Can this actor run at all? Decided before any sandbox starts (key, model availability)."""

    status: Literal["passed", "blocked", "failed", "skipped"]
    reason: str
    model: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")


class Actor(Protocol):
    kind: str  # the ActorReport kind ("openai-cua", "anthropic", "openai-compatible", ...)
    model: str | None  # None for an actor without a model

    def preflight(self) -> Preflight: ...

    def run(self, surface: Computer, brief: Brief, *, budget: ActorBudget, store: RunStore,
            stream_id: str) -> ActorReport: ...
