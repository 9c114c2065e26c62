"""`mimetic run --app-url`: prove a loopback app in desktop (and mobile) Chromium and write a run bundle.

Everything is validated before anything is written: actor, sim count, timeout, URL (against the
committed network policy), run id, scenarios, persona and the Chromium executable.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from mimetic.actors.registry import ACTOR_KINDS
from mimetic.browser.chromium import DESKTOP, SURFACES, Surface, close_quietly, find_chromium, launch_chromium
from mimetic.browser.lane import ActorHook, LaneResult, run_lane
from mimetic.browser.scenarios import ProofPlan, plan_proof
from mimetic.bundle.compose import EventLog, select_persona, source_info
from mimetic.bundle.store import RunStore
from mimetic.clock import new_run_id, now_iso
from mimetic.contracts.bundle import (
    Completion, Embed, PersonaRef, Review, RunBundle, Simulation, Stream, StreamArtifact, StreamUi, Viewport,
)
from mimetic.contracts.evidence import BrowserTrace, TraceStep
from mimetic.contracts.manifests import NetworkPolicy, Persona
from mimetic.contracts.results import ErrorInfo, RunResult, SurfaceResult
from mimetic.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_VERDICT, MimeticError
from mimetic.interrupts import signals_held, signals_interrupt
from mimetic.project import Project
from mimetic.safety.redact import compact_error
from mimetic.safety.urls import validate_app_url

SUPPORTED_ACTORS = (*ACTOR_KINDS, "explore")
DEFAULT_SIMS = 2
MAX_TIMEOUT_MS = 600_000
INTERRUPTING = (signal.SIGINT,)  # what ends a proof as `interrupted`
# Worst lane wins: any failure makes the run fail; an unreachable app makes it blocked.
VERDICT_ORDER = (("interrupted", "interrupted"), ("failed", "fail"), ("blocked", "blocked"), ("timed_out", "timed_out"))
VERDICT_ERRORS = {
    "interrupted": "MIMETIC_INTERRUPTED",
    "fail": "MIMETIC_BROWSER_PROOF_FAILED",
    "blocked": "MIMETIC_BROWSER_PROOF_BLOCKED",
    "timed_out": "MIMETIC_BROWSER_PROOF_TIMED_OUT",
}
ACTOR_STATUSES = frozenset({"not_started", "running", "passed", "failed", "blocked", "timed_out", "suspended"})


@dataclass(frozen=True)
class ProofRequest:
    """A fully validated browser proof: nothing about it can fail as bad input any more."""

    app_url: str
    surfaces: tuple[Surface, ...]
    timeout_ms: int
    actor: str | None
    store: RunStore
    plan: ProofPlan
    persona: PersonaRef
    persona_model: Persona | None
    chromium: str
    warnings: list[str]
    seed: int = 0  # the explorer's seed (--actor explore)


def allowed_hosts(project: Project) -> list[str]:
    from mimetic.manifests import load_manifest

    path = project.source_dir / "policies" / "network.yaml"
    if not path.is_file():
        return []
    return load_manifest(path, NetworkPolicy, display=project.relative(path)).allowed_hosts


def _check_actor(actor: str | None) -> None:
    if actor is not None and actor not in SUPPORTED_ACTORS:
        raise MimeticError("MIMETIC_UNSUPPORTED_ACTOR",
                           f"--actor {actor!r} is not supported with --app-url; use {', '.join(SUPPORTED_ACTORS)}.")


def _check_sims(sims: int | None) -> tuple[Surface, ...]:
    count = DEFAULT_SIMS if sims is None else sims
    if isinstance(count, bool) or count not in (1, 2):
        raise MimeticError("MIMETIC_INVALID_SIM_COUNT",
                           f"--sims with --app-url is 1 (desktop) or 2 (desktop and mobile), got {sims}.")
    return SURFACES[:count]


def prepare(project: Project, app_url: str, *, sims: int | None, run_id: str | None, timeout_ms: int,
            actor: str | None, persona: str | None = None, seed: int = 0, scenario: str | None = None) -> ProofRequest:
    _check_actor(actor)
    surfaces = _check_sims(sims)
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or not 1 <= timeout_ms <= MAX_TIMEOUT_MS:
        raise MimeticError("MIMETIC_INVALID_TIMEOUT", f"--timeout-ms must be between 1 and {MAX_TIMEOUT_MS}, got {timeout_ms}.")
    url = validate_app_url(app_url, allowed_hosts(project))
    store = RunStore.new(project, run_id or new_run_id("browser"))
    plan = plan_proof(project, url, scenario)
    first = plan.scenarios[0] if plan.scenarios else None
    persona_id = persona or (first.persona if first and first.persona else None)
    persona, persona_model, persona_warnings = select_persona(project, persona_id)
    chromium = find_chromium()
    return ProofRequest(app_url=url, surfaces=surfaces, timeout_ms=timeout_ms, actor=actor, store=store, plan=plan,
                        persona=persona, persona_model=persona_model, chromium=chromium, warnings=persona_warnings,
                        seed=seed)


def _actor_hook(request: ProofRequest, surface: Surface) -> ActorHook | None:
    if request.actor == "explore":  # keyless: every viewport explores (touch on mobile)
        from mimetic.explorer.report import explorer_hook

        return explorer_hook(request.store, surface, request.persona_model, request.app_url, request.seed,
                             request.timeout_ms)
    if request.actor is None or surface is not DESKTOP:
        return None
    from mimetic.actors.actor import Brief
    from mimetic.actors.budget import ActorBudget
    from mimetic.actors.playwright_computer import PlaywrightComputer
    from mimetic.actors.registry import make_actor

    scenario = request.plan.scenarios[0] if request.plan.scenarios else None
    actor = make_actor(request.actor or "openai-cua")
    brief = Brief(goal=request.plan.goal, persona=request.persona_model, scenario=scenario)

    def hook(page: Any):
        return actor.run(PlaywrightComputer(page), brief, budget=ActorBudget.resolve(), store=request.store,
                         stream_id=DESKTOP.stream_id)

    return hook


def actor_state(request: ProofRequest, lane: LaneResult) -> str:
    """`ran`, `blocked: <why>` or `not requested`: whether an AI actor really used this viewport."""
    if request.actor is None:
        return "not requested"
    if lane.surface is not DESKTOP:
        return "not requested (the actor uses the desktop viewport only)"
    report = lane.actor_report
    if report is None:
        return f"blocked: the viewport ended {lane.status} before the actor could start"
    if report.status in ("blocked", "not_started") and report.steps == 0:
        return f"blocked: {report.reason or 'the actor did not start'}"
    return "ran"


def _first_bad_step(lane: LaneResult) -> TraceStep | None:
    return next((step for step in lane.trace.steps if step.status in ("failed", "blocked")), None)


def surface_result(request: ProofRequest, lane: LaneResult) -> SurfaceResult:
    step = _first_bad_step(lane)
    report = lane.actor_report
    return SurfaceResult(
        surface=lane.surface.name, stream_id=lane.surface.stream_id, status=lane.status,
        failed_step=step.id if step else None, failed_step_label=step.label if step else None, reason=lane.reason,
        page_errors=step.page_errors if step else [], console_errors=step.console_errors if step else [],
        screenshot=(step.screenshot_path if step and step.screenshot_path else lane.screenshot_path),
        trace=lane.trace_path, actor=actor_state(request, lane), actor_status=report.status if report else None)


def _failure_message(surfaces: list[SurfaceResult]) -> str:
    """Every viewport that did not pass, each with its step and reason (an agent reads only this line)."""
    parts = [f"{s.surface} {s.status}" + (f" at step {s.failed_step}" if s.failed_step else "") + f": {s.reason}"
             for s in surfaces if s.status != "passed"]
    return " | ".join(parts)


def warm_up(launched, request: ProofRequest, log: EventLog) -> None:
    """Load the app once in a throwaway context before the viewports run, so a dev server's first compile is
    not charged to the desktop viewport. Bounded by the same budget; whatever happens, the viewports decide."""
    import time

    from playwright.sync_api import Error as PlaywrightError

    from mimetic.browser.load import LoadTimeout, load

    started = time.monotonic()
    context = launched.new_context(DESKTOP)
    try:
        load(context.new_page(), request.app_url, timeout_ms=request.timeout_ms, budget_ms=request.timeout_ms)
        outcome = "settled"
    except (LoadTimeout, PlaywrightError) as exc:
        outcome = f"did not settle ({compact_error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)})"
    finally:
        close_quietly(context.close)
    log.add("browser-app.warmup", f"Warm-up load of the app {outcome} after {int((time.monotonic() - started) * 1000)} ms "
            "(not charged to any viewport).")


def verdict_of(lanes: list[LaneResult]) -> str:
    statuses = {lane.status for lane in lanes}
    return next((verdict for status, verdict in VERDICT_ORDER if status in statuses), "pass")


def _stream(request: ProofRequest, lane: LaneResult) -> Stream:
    surface, at = lane.surface, lane.ended_at
    artifacts = [StreamArtifact(label="Run bundle", path="run.json", kind="bundle"),
                 StreamArtifact(label="Review", path="review.md", kind="review"),
                 StreamArtifact(label="Event log", path="events.ndjson", kind="events")]
    if lane.screenshot_path:
        artifacts.append(StreamArtifact(label=f"{surface.label} screenshot", path=lane.screenshot_path, kind="screenshot"))
    artifacts.append(StreamArtifact(label=f"{surface.label} trace", path=lane.trace_path, kind="trace"))
    report = lane.actor_report
    actor_status = None
    if report is not None:
        artifacts.append(StreamArtifact(label="Actor report", path=f"actors/{surface.stream_id}.json", kind="actor"))
        actor_status = report.status if report.status in ACTOR_STATUSES else "unknown"
    shot_url = f"../{lane.screenshot_path}" if lane.screenshot_path else None
    # The app's own state, apart from the lane's: an actor can block a lane on an app that answered fine.
    http_status = lane.trace.http_status
    unreachable = any(step.status == "blocked" for step in lane.trace.steps)
    app_status = "failed" if http_status and http_status >= 500 else "blocked" if unreachable else "running"
    visual = "visible" if lane.screenshot_path else "blocked"
    state = f"{lane.status}: {lane.passed_steps}/{len(lane.trace.steps)} step(s) passed"
    route = lane.trace.steps[-1].url if lane.trace.steps and lane.trace.steps[-1].url else request.app_url
    viewport = surface.viewport
    return Stream(
        id=surface.stream_id, sim_id=surface.sim_id, kind="browser", label=surface.label, status=lane.status,
        transport="snapshot", updated_at=at,
        embed=Embed(kind="screenshot", url=shot_url, title=surface.label) if shot_url else Embed(kind="placeholder", title=surface.label),
        viewport=Viewport(width=viewport.width, height=viewport.height, device_scale_factor=viewport.device_scale_factor,
                          is_mobile=viewport.is_mobile),
        ui=StreamUi(actor_status=actor_status or "not_started", app_status=app_status, app_url=request.app_url,
                    route=route, intent=request.plan.goal, screenshot_url=shot_url, state=state, visual_status=visual),
        completion=Completion(status=lane.status, reason=lane.reason, checked_at=at, actor_status=actor_status,
                              app_status=app_status, app_url=request.app_url, visual_status=visual),
        artifacts=artifacts,
    )


def _simulation(request: ProofRequest, lane: LaneResult, index: int) -> Simulation:
    steps = lane.trace.steps
    ran = [step for step in steps if step.status != "skipped"]
    current = ran[-1] if ran else None
    return Simulation(
        id=lane.surface.sim_id, index=index, persona_id=request.persona.id, scenario_id=request.plan.ref.id,
        status=lane.status, stream_kind="browser", mode="browser-sim", progress=100,
        current_step=f"{current.id}: {current.status}" if current else "no step ran",
        summary=lane.reason, stream_ids=[lane.surface.stream_id], started_at=lane.started_at, updated_at=lane.ended_at)


def _review(request: ProofRequest, lanes: list[LaneResult], verdict: str, surfaces: list[SurfaceResult]) -> Review:
    parts = [f"{lane.surface.name} {lane.status} ({lane.passed_steps}/{len(lane.trace.steps)} steps)" for lane in lanes]
    summary = f"Browser proof of {request.app_url}: " + ", ".join(parts) + "."
    for bad in (lane for lane in lanes if lane.status != "passed"):
        summary += f" {bad.surface.name}: {bad.reason}"
    gaps = []
    if request.plan.builtin:
        gaps.append("No committed mode: browser scenario was found, so only the built-in render proof ran "
                    "(add one under mimetic/scenarios/).")
    if len(lanes) == 1:
        gaps.append("Only the desktop viewport ran (--sims 1).")
    if request.actor is None:
        gaps.append("No actor used the app; only scripted steps ran (--actor explore or --actor openai-cua adds one).")
    elif not any(s.actor == "ran" for s in surfaces):
        gaps.append(f"No AI actor used the app: {request.actor} was requested but "
                    + "; ".join(f"on {s.surface} it was {s.actor}" for s in surfaces) + ".")
    skipped = sum(step.status == "skipped" for lane in lanes for step in lane.trace.steps)
    if skipped:
        gaps.append(f"{skipped} step(s) were skipped after an earlier step failed or the viewport stopped.")
    gaps.append("Only loopback hosts (and hosts allowed by mimetic/policies/network.yaml) can be proven.")
    return Review(verdict=verdict, summary=summary, gaps=gaps)


def _steps_section(lanes: list[LaneResult]) -> list[str]:
    lines = []
    for lane in lanes:
        for step in lane.trace.steps:
            line = f"{lane.surface.name} `{step.id}` ({step.label}): {step.status}"
            failed = [a for a in step.assertions if a.status == "failed"]
            if failed:
                line += "; " + "; ".join(f"{a.kind} expected {a.expected}, actual {a.actual}" for a in failed)
            elif step.status == "blocked":
                line += f"; {step.reason}"
            if step.page_errors:
                line += "; the page threw: " + "; ".join(step.page_errors)
            lines.append(line)
        if lane.trace.console_errors or lane.trace.failed_requests:
            lines.append(f"{lane.surface.name}: {len(lane.trace.console_errors)} console error(s), "
                         f"{len(lane.trace.failed_requests)} failed request(s) (see {lane.trace_path})")
    return lines


def run_app_url(project: Project, app_url: str, *, sims: int | None, run_id: str | None, timeout_ms: int,
                actor: str | None, persona: str | None = None, seed: int = 0,
                scenario: str | None = None) -> tuple[RunResult, int]:
    from mimetic.labs.synthetic import run_result, write_run

    request = prepare(project, app_url, sims=sims, run_id=run_id, timeout_ms=timeout_ms, actor=actor, persona=persona,
                      seed=seed, scenario=scenario)
    store, plan = request.store, request.plan
    created_at = now_iso()
    log = EventLog()
    log.add("browser-app.run.created", f"Browser proof of {request.app_url} in {len(request.surfaces)} viewport(s).")
    log.mark("run.created", f"Browser proof run {store.run_id} created.")
    log.mark("persona.selected", f"Persona {request.persona.id} selected.")
    log.mark("scenario.selected", f"Scenario {plan.ref.id} selected ({len(plan.steps)} step(s)).")
    lanes: list[LaneResult] = []
    # Ctrl-C interrupts the proof; once the run exists, one that lands as the proof ends waits until its bundle
    # and result are written and printed (SIGTERM keeps its default: it ends the process).
    with signals_held(INTERRUPTING):
        try:
            with signals_interrupt(INTERRUPTING), launch_chromium(request.chromium) as launched:
                store.create()  # the --run-id is taken here, atomically, or MIMETIC_RUN_EXISTS
                log.mark("browser.launched", f"{launched.label} launched headless with a throwaway profile.")
                warm_up(launched, request, log)
                for surface in request.surfaces:
                    lanes.append(run_lane(launched, surface, plan.steps, app_url=request.app_url, scenario_id=plan.ref.id,
                                          store=store, log=log, timeout_ms=request.timeout_ms,
                                          actor=_actor_hook(request, surface)))
        except KeyboardInterrupt:
            # Ctrl-C still leaves a valid bundle: unfinished viewports are recorded as interrupted.
            log.mark("run.interrupted", "Interrupted (Ctrl-C); unfinished viewports were recorded as interrupted.")
            lanes += [_interrupted_lane(request, surface) for surface in request.surfaces[len(lanes):]]
        verdict = verdict_of(lanes)
        surfaces = [surface_result(request, lane) for lane in lanes]
        log.mark("review.created", f"Review verdict {verdict}.")
        bundle = RunBundle(
            run_id=store.run_id, mode="live", sim_count=len(lanes), created_at=created_at,
            artifact_root=store.artifact_root, source=source_info(project), persona=request.persona, scenario=plan.ref,
            lifecycle=log.lifecycle, simulations=[_simulation(request, lane, i) for i, lane in enumerate(lanes)],
            streams=[_stream(request, lane) for lane in lanes], events=log.events,
            review=_review(request, lanes, verdict, surfaces))
        write_run(store, bundle, {"Steps": _steps_section(lanes)})
        ok = verdict == "pass"
        # A blocked actor is a warning whatever the verdict: a pass without it is a scripted pass only.
        warnings = [*request.warnings, *(f"The {request.actor} actor was {s.actor} ({s.surface})." for s in surfaces
                                        if s.actor.startswith("blocked"))]
        result = run_result(store, bundle, warnings, ok=ok)
        result.surfaces = surfaces
        if not ok:
            result.error = ErrorInfo(code=VERDICT_ERRORS[verdict], message=_failure_message(surfaces) or bundle.review.summary)
        return result, EXIT_OK if ok else EXIT_INTERRUPTED if verdict == "interrupted" else EXIT_VERDICT


def _interrupted_lane(request: ProofRequest, surface: Surface) -> LaneResult:
    at, reason = now_iso(), "Interrupted (Ctrl-C) before this viewport finished."
    trace = BrowserTrace(captured_at=at, app_url=request.app_url, surface=surface.name, viewport=surface.viewport,
                         browser="chromium", duration_ms=0, ok=False, status="interrupted", reason=reason,
                         scenario_id=request.plan.ref.id)
    request.store.write_json(surface.trace_path, trace.to_json())
    return LaneResult(surface=surface, status="interrupted", reason=reason, trace=trace, trace_path=surface.trace_path,
                      screenshot_path=None, started_at=at, ended_at=at)
