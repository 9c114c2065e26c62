"""The actor in a live lane (E2B desktop or local substrate), driven from the host.

The lane runner calls, once per run, before any sandbox starts:
    plan = LaneActorPlan.resolve(lab.actor)          # MimeticError (exit 2) on a malformed flag
    pre = plan.preflight()                           # None when no actor will run
    if pre and not pre.ok and plan.required: every lane is blocked with pre.reason; launch nothing
and per lane, once the desktop exists (`plan.first`: right away; otherwise after the bootstrap):
    report = run_lane_actor(plan, sandbox, store=store, stream_id=..., persona=..., scenario=..., goal=...,
                            preflight=pre)
    status, reason = lane_outcome(status, reason, report, plan)

Flags keep their upstream meaning (§4.2): `MIMETIC_OSS_META_ACTOR_FIRST=1` runs the actor before the
deterministic bootstrap, `MIMETIC_OSS_META_REQUIRE_ACTOR=1` means a lane cannot pass unless its actor
passed, `MIMETIC_OSS_META_ACTOR_TIMEOUT_MS` bounds the actor's wall time. The model key never goes
into the sandbox: the loop runs here and only screenshots and input events cross the boundary.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mimetic.actors.actor import Actor, Brief, Preflight
from mimetic.actors.budget import KEEP_SCREENSHOTS_ENV, TIMEOUT_ENV, ActorBudget, RunBudget, run_budget_for
from mimetic.actors.registry import MODEL_ENV, make_actor
from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.evidence import ActorReport
from mimetic.contracts.manifests import LabActor, Persona, Scenario
from mimetic.errors import MimeticError
from mimetic.safety.redact import compact_error

if TYPE_CHECKING:
    from mimetic.lanes.substrate import LaneSandbox

FIRST_ENV = "MIMETIC_OSS_META_ACTOR_FIRST"
REQUIRE_ENV = "MIMETIC_OSS_META_REQUIRE_ACTOR"
# The non-secret actor-control flags a sandbox may see (it never runs the actor; they only describe it).
FORWARDED_ENV = (FIRST_ENV, REQUIRE_ENV, TIMEOUT_ENV, MODEL_ENV, KEEP_SCREENSHOTS_ENV)
DEFAULT_KIND = "openai-cua"  # the actor a lane gets when only the flags ask for one


@dataclass(frozen=True)
class LaneActorPlan:
    enabled: bool  # an actor runs in each lane (a lab actor.kind other than none, or either flag set)
    first: bool
    required: bool
    actor: Actor
    lab_actor: LabActor | None = None
    run_budget: RunBudget = field(default_factory=RunBudget)  # shared by every lane of the run

    @property
    def model(self) -> str | None:
        return self.actor.model

    @classmethod
    def resolve(cls, lab_actor: LabActor | None = None, environ: Mapping[str, str] | None = None) -> LaneActorPlan:
        environ = os.environ if environ is None else environ
        first, required = _flag(environ, FIRST_ENV), _flag(environ, REQUIRE_ENV)
        ActorBudget.resolve(lab_actor, environ=environ)  # a malformed setting is a usage error now, not mid-run
        kind = lab_actor.kind if lab_actor is not None and lab_actor.kind != "none" else None
        model_kind = DEFAULT_KIND if kind in (None, "explore") else kind  # the explorer needs no model actor
        actor = make_actor(model_kind, model=lab_actor.model if lab_actor else None, environ=environ)
        return cls(enabled=first or required or kind is not None, first=first, required=required, actor=actor,
                   lab_actor=lab_actor, run_budget=run_budget_for(lab_actor))

    @property
    def explorer(self) -> bool:
        """The keyless explorer: no model, no key, no preflight call."""
        return self.lab_actor is not None and self.lab_actor.kind == "explore"

    def preflight(self) -> Preflight | None:
        return self.actor.preflight() if self.enabled and not self.explorer else None

    def forwarded_env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        environ = os.environ if environ is None else environ
        return {name: environ[name] for name in FORWARDED_ENV if environ.get(name)}


def run_lane_actor(plan: LaneActorPlan, sandbox: LaneSandbox, *, store: RunStore, stream_id: str,
                   persona: Persona | None, scenario: Scenario | None, goal: str,
                   preflight: Preflight | None = None) -> ActorReport:
    """Drive the lane's screen with the same loop as the browser proof; always writes `actors/<stream>.json`."""
    if preflight is not None and not preflight.ok:
        return _blocked(store, stream_id, plan, preflight.reason)
    try:
        computer = sandbox.computer()
    except MimeticError as exc:
        return _blocked(store, stream_id, plan, f"The lane's screen is not reachable: {exc.message}")
    if computer is None:
        return _blocked(store, stream_id, plan, "This lane's substrate has no screen for the actor to use.")
    budget = ActorBudget.resolve(plan.lab_actor, run=plan.run_budget)
    if plan.explorer:
        from mimetic.explorer.report import run_on_computer

        return run_on_computer(computer, store=store, stream_id=stream_id, persona=persona, max_ms=budget.timeout_ms)
    return plan.actor.run(computer, Brief(goal=goal, persona=persona, scenario=scenario), budget=budget, store=store,
                          stream_id=stream_id)


def lane_outcome(status: str, reason: str, report: ActorReport | None, plan: LaneActorPlan) -> tuple[str, str]:
    """A lane with a required actor cannot pass unless the actor passed; an optional actor never changes it."""
    if not plan.required or status != "passed":
        return status, reason
    if report is not None and report.status == "passed":
        return status, reason
    outcome = f"actor {report.status}: {report.reason or 'no reason given'}" if report else "the actor did not run"
    return "blocked", compact_error(f"The lane's required actor did not pass ({outcome}).", 400)


def _blocked(store: RunStore, stream_id: str, plan: LaneActorPlan, reason: str) -> ActorReport:
    at = now_iso()
    report = ActorReport(id=stream_id, kind=plan.actor.kind, status="blocked", reason=compact_error(reason, 400),
                         model=plan.model, started_at=at, ended_at=at, cost_usd=0.0)
    store.write_json(f"actors/{stream_id}.json", report.to_json())
    return report


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return (environ.get(name) or "").strip().lower() in ("1", "true", "yes")
