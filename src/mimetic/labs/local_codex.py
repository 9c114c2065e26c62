"""`run --actor codex-exec|codex-tui`: local Codex actors in this project, each lane a terminal stream.

    result, exit_code = run_local_codex(project, "codex-exec", sims=4, run_id=None, timeout_ms=None)

Every input is checked before anything is written. The run then writes a `running` bundle and Observer
(a served Observer follows it), runs the lanes (exec: at most MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY
at a time; TUI: one lane), and rewrites the bundle with each lane's verdict, redacted transcript, actor
report (`actors/<stream>.json`) and 0.1.5's trace (`actor.json`, or `traces/<stream>.json` in a fan-out).
The prompt itself is never written, only its digest.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mimetic.actors.actor import Brief
from mimetic.actors.codex_command import CommandOutcome, actor_timeout_ms, write_lane_report
from mimetic.bundle.compose import EventLog, missing_source_warning, select_persona, select_scenario, source_info
from mimetic.bundle.store import RunStore
from mimetic.clock import new_run_id, now_iso
from mimetic.contracts.bundle import (
    Completion, Embed, Review, RunBundle, Simulation, Stream, StreamArtifact, Terminal,
)
from mimetic.contracts.local_actors import LocalCodexExecTrace, LocalCodexTuiTrace
from mimetic.contracts.results import ErrorInfo, RunResult
from mimetic.errors import EXIT_OK, EXIT_VERDICT, MimeticError
from mimetic.labs.synthetic import run_result, validate_sims, write_run
from mimetic.lanes.scrub import tail

if TYPE_CHECKING:
    from mimetic.project import Project

LOCAL_CODEX_KINDS = ("codex-tui", "codex-exec")
LABELS = {"codex-exec": "Codex exec", "codex-tui": "Codex TUI"}
FAILED_CODES = {"codex-exec": "MIMETIC_LOCAL_CODEX_EXEC_FAILED", "codex-tui": "MIMETIC_LOCAL_CODEX_TUI_FAILED"}
VERDICTS = {"passed": "pass", "timed_out": "timed_out", "blocked": "blocked", "failed": "fail"}
TAIL_LINES = 60
GAPS = [
    "A local Codex actor works in the terminal: it reads the repository and runs read-only commands; it does not "
    "drive the app's screen (use --app-url for the browser proof).",
    "The verdict is the actor's own; the transcript is the evidence to review.",
]


def requested_kind(actor: str | None, dry_run: bool, environ) -> str | None:
    """`--actor codex-*`, else the 0.1.5 switches (MIMETIC_ENABLE_LOCAL_CODEX_TUI, then _EXEC), for a live run
    only: as in 0.1.5, --dry-run wins and writes the contract bundle."""
    from mimetic.actors.codex_exec import ENABLE_ENV as EXEC_ENV
    from mimetic.actors.codex_tui import ENABLE_ENV as TUI_ENV

    if dry_run:
        return None
    if actor in LOCAL_CODEX_KINDS:
        return actor
    if actor is None:
        return "codex-tui" if environ.get(TUI_ENV) == "1" else "codex-exec" if environ.get(EXEC_ENV) == "1" else None
    return None


@dataclass
class LaneRecord:
    sim_id: str
    stream_id: str
    label: str
    focus_id: str
    prompt: str
    outcome: CommandOutcome | None = None
    transcript_path: str = ""
    trace_path: str = ""


def _actor(kind: str, project: Project, timeout_ms: int):
    """The actor, its transcripts scrubbed of this project's and this user's paths (a bundle holds no local path)."""
    import os

    from mimetic.lanes.scrub import lane_scrubber

    scrub = lane_scrubber(lane_root=None, project_root=project.root, home=os.environ.get("HOME")).text
    if kind == "codex-tui":
        from mimetic.actors.codex_tui import CodexTuiActor

        return CodexTuiActor(project.root, timeout_ms=timeout_ms, scrub=scrub)
    from mimetic.actors.codex_exec import CodexExecActor

    return CodexExecActor(project.root, timeout_ms=timeout_ms, scrub=scrub)


def _goal(project: Project, app_url: str | None) -> str:
    name = source_info(project).package_name or project.root.name
    where = (f" The app is running at {app_url}; you may read it with one HTTP GET (curl -s), nothing that changes it."
             if app_url else "")
    return (f"Look at this project ({name}) the way its user would: its README, its mimetic/ setup "
            f"(personas, scenarios, coverage map) and the product's own screens or commands.{where}")


def _lanes(kind: str, actor, brief: Brief, count: int) -> list[LaneRecord]:
    if kind == "codex-tui":
        from mimetic.actors.codex_tui import tui_prompt

        return [LaneRecord("sim-01", "sim-01-codex-tui", "Local Codex TUI actor", "tui", tui_prompt(brief, actor.nonce),
                           transcript_path="transcripts/codex-tui-sanitized.txt", trace_path="actor.json")]
    from mimetic.actors.codex_exec import focus_for, lane_prompt

    lanes = []
    for index in range(count):
        focus, sim_id = focus_for(index), f"sim-{index + 1:02d}"
        stream_id = f"{sim_id}-codex-exec"
        lanes.append(LaneRecord(
            sim_id, stream_id, f"Local Codex exec - {focus.label}", focus.id, lane_prompt(brief, focus, index + 1, count),
            transcript_path="transcripts/codex-exec-sanitized.jsonl" if count == 1 else f"transcripts/{stream_id}-sanitized.jsonl",
            trace_path="actor.json" if count == 1 else f"traces/{stream_id}.json"))
    return lanes


def _bundle(store: RunStore, project: Project, kind: str, lanes: list[LaneRecord], log: EventLog, persona, scenario,
            created: str, review: Review) -> RunBundle:
    at = now_iso()
    simulations, streams = [], []
    for index, lane in enumerate(lanes):
        outcome = lane.outcome
        status = outcome.status if outcome else "running"
        artifacts = [StreamArtifact(label="Run bundle", path="run.json", kind="bundle"),
                     StreamArtifact(label="Event log", path="events.ndjson", kind="events")]
        if outcome:
            artifacts += [StreamArtifact(label="Sanitized transcript", path=lane.transcript_path, kind="log"),
                          StreamArtifact(label="Actor trace", path=lane.trace_path, kind="trace"),
                          StreamArtifact(label="Actor report", path=f"actors/{lane.stream_id}.json", kind="actor")]
        text = tail(outcome.transcript, TAIL_LINES) if outcome else f"{LABELS[kind]} actor is running; its redacted transcript follows when it ends.\n"
        summary = f"{lane.label} {outcome.status}: {outcome.reason}" if outcome else f"{lane.label} is running."
        streams.append(Stream(
            id=lane.stream_id, sim_id=lane.sim_id, kind="terminal", label=lane.label, status=status,
            transport="snapshot", updated_at=at, embed=Embed(kind="terminal", title=lane.label),
            terminal=Terminal(title=lane.label, format="plain", stdin="sent", tail=text), artifacts=artifacts,
            completion=Completion(status=status, reason=outcome.reason if outcome else "actor process is still running",
                                  checked_at=at, exit_code=outcome.exit_code if outcome else None,
                                  log_tail=text if outcome else None)))
        simulations.append(Simulation(
            id=lane.sim_id, index=index, persona_id=f"{kind}-{lane.focus_id}" if kind == "codex-exec" else persona.id,
            scenario_id=scenario.id, status=status, stream_kind="terminal", mode="cli-sim" if kind == "codex-exec" else "tui-sim",
            progress=100 if outcome else 35, current_step=f"{lane.label} completed" if outcome and outcome.status == "passed"
            else f"{lane.label} needs review" if outcome else f"{lane.label} running",
            summary=summary, stream_ids=[lane.stream_id], started_at=created, updated_at=at))
    return RunBundle(run_id=store.run_id, mode="live", sim_count=len(lanes), created_at=created,
                     artifact_root=store.artifact_root, source=source_info(project), persona=persona, scenario=scenario,
                     lifecycle=list(log.lifecycle), simulations=simulations, streams=streams, events=list(log.events),
                     review=review)


def _aggregate(statuses: list[str]) -> str:
    for status in ("failed", "timed_out", "blocked"):
        if status in statuses:
            return status
    return "passed" if statuses else "failed"


def _trace(kind: str, lane: LaneRecord, command_name: str, nonce: str | None, started: str, timeout_ms: int):
    outcome = lane.outcome
    assert outcome is not None
    common = dict(command_name=command_name, prompt_digest=hashlib.sha256(lane.prompt.encode()).hexdigest(),
                  started_at=started, completed_at=now_iso(), duration_ms=outcome.duration_ms,
                  exit_code=outcome.exit_code, signal=outcome.signal, status=outcome.status, timeout_ms=timeout_ms,
                  transcript_bytes=outcome.transcript_bytes, transcript_path=lane.transcript_path)
    if kind == "codex-tui":
        return LocalCodexTuiTrace(verdict_nonce=nonce or "", **common)
    return LocalCodexExecTrace(focus_id=lane.focus_id, **common)


def _drive_all(store: RunStore, kind: str, actor, lanes: list[LaneRecord], *, timeout: int, concurrency: int,
               log: EventLog) -> None:
    """Run every lane (at most `concurrency` at once); each writes its transcript, report and trace."""
    preflight = actor.preflight()

    def drive(lane: LaneRecord) -> None:
        started = now_iso()
        if not preflight.ok:
            reason = actor.scrub(preflight.reason)
            lane.outcome = CommandOutcome("blocked", reason, reason + "\n", 0, 0)
        else:
            lane.outcome = actor.execute(lane.prompt)
        write_lane_report(store, stream_id=lane.stream_id, kind=kind, outcome=lane.outcome,
                          transcript_path=lane.transcript_path, started_at=started, ended_at=now_iso())
        store.write_json(lane.trace_path, _trace(kind, lane, actor.command("").name, getattr(actor, "nonce", None),
                                                  started, timeout).to_json())

    with ThreadPoolExecutor(max_workers=min(concurrency, len(lanes)), thread_name_prefix="codex-lane") as pool:
        list(pool.map(drive, lanes))
    for lane in lanes:
        outcome = lane.outcome
        assert outcome is not None
        level = "info" if outcome.status == "passed" else "warn" if outcome.status == "timed_out" else "error"
        log.add("actor.verdict", f"{lane.label} verdict {outcome.status}: {outcome.reason}", level=level,
                sim_id=lane.sim_id, stream_id=lane.stream_id)
        log.add("actor.timeout" if outcome.status == "timed_out" else "actor.exited",
                f"Actor timed out after {timeout} ms." if outcome.status == "timed_out"
                else f"Actor exited with code {outcome.exit_code}.", sim_id=lane.sim_id, stream_id=lane.stream_id)


def _announce(log: EventLog, actor, lanes: list[LaneRecord]) -> None:
    for lane in lanes:
        digest = hashlib.sha256(lane.prompt.encode()).hexdigest()
        log.add("actor.spawned", f"{lane.label}: command {actor.command('').name} in explicit opt-in mode.",
                sim_id=lane.sim_id, stream_id=lane.stream_id)
        log.add("actor.prompt.submitted", f"Prompt digest {digest[:12]}; the raw prompt is not kept.",
                sim_id=lane.sim_id, stream_id=lane.stream_id)


def _checked(project: Project, kind: str, sims: int | None, timeout_ms: int | None):
    """(count, timeout, concurrency, actor): every input checked before anything is written."""
    from mimetic.actors.codex_exec import max_concurrency

    if kind == "codex-tui" and sims not in (None, 1):
        raise MimeticError("MIMETIC_ACTOR_FANOUT_UNIMPLEMENTED",
                           "The local Codex TUI actor owns one terminal session, so it runs one lane; use --actor "
                           "codex-exec for several lanes (at most MIMETIC_LOCAL_CODEX_EXEC_MAX_CONCURRENCY at a time).")
    count = validate_sims(sims, 1)
    timeout = actor_timeout_ms(timeout_ms)
    concurrency = max_concurrency() if kind == "codex-exec" else 1
    return count, timeout, concurrency, _actor(kind, project, timeout)


def run_local_codex(project: Project, kind: str, *, sims: int | None, run_id: str | None,
                    timeout_ms: int | None) -> tuple[RunResult, int]:
    count, timeout, concurrency, actor = _checked(project, kind, sims, timeout_ms)
    persona_ref, persona, persona_warn = select_persona(project)
    scenario_ref, scenario, scenario_warn = select_scenario(project)
    warnings = missing_source_warning(project) + persona_warn + scenario_warn
    lanes = _lanes(kind, actor, Brief(goal=_goal(project, None), persona=persona, scenario=scenario), count)
    store = RunStore.new(project, run_id or new_run_id(kind))
    created, label = now_iso(), LABELS[kind]
    log = EventLog()
    log.mark("run.created", f"Live local {label} run created with {count} explicit opt-in actor(s)"
             + (f" and max concurrency {concurrency}." if kind == "codex-exec" else "."))
    log.mark("actor.selected", f"Selected local {kind} actor.")
    _announce(log, actor, lanes)
    running = Review(verdict="contract_proof_only", summary=f"Local {label} actor(s) running; the verdict follows when they end.",
                     gaps=list(GAPS))
    write_run(store, _bundle(store, project, kind, lanes, log, persona_ref, scenario_ref, created, running))
    _drive_all(store, kind, actor, lanes, timeout=timeout, concurrency=concurrency, log=log)
    statuses = [lane.outcome.status for lane in lanes if lane.outcome]
    status = _aggregate(statuses)
    reason = lanes[0].outcome.reason if len(lanes) == 1 and lanes[0].outcome else (
        f"{len(lanes)} {label} lanes: " + ", ".join(f"{statuses.count(s)} {s}" for s in VERDICTS if s in statuses))
    log.mark("review.skeleton.created", "Review written from the actors' redacted evidence.")
    review = Review(verdict=VERDICTS[status], summary=f"Live local {label} actor {status}: {reason}. This shows what the "
                    "actor read and reported, not the product's behaviour in a browser.", gaps=list(GAPS))
    bundle = _bundle(store, project, kind, lanes, log, persona_ref, scenario_ref, created, review)
    write_run(store, bundle)
    result = run_result(store, bundle, warnings, ok=status == "passed")
    if status != "passed":
        result.error = ErrorInfo(code=FAILED_CODES[kind], message=f"Local {label} actor {status}: {reason}")
    return result, EXIT_OK if status == "passed" else EXIT_VERDICT


def check_beside_proof(project: Project, kind: str, timeout_ms: int | None) -> None:
    """Before a browser proof with --actor codex-*: the actor's inputs are checked first (nothing written on bad input)."""
    _checked(project, kind, None, timeout_ms)


def add_to_proof(project: Project, result: RunResult, kind: str, app_url: str, timeout_ms: int | None) -> None:
    """`run --app-url … --actor codex-*`: the browser proof ran first (as in 0.1.5, whose --app-url proof wins);
    one local Codex lane then reviews the running app and is added to the same run as a terminal stream.

    The proof's verdict stays the run's verdict; a Codex lane that did not pass is a warning."""
    from mimetic.observer.render import write_observer

    _, timeout, _, actor = _checked(project, kind, None, timeout_ms)
    store = RunStore(project, result.run_id)
    bundle = store.load_bundle()
    persona = select_persona(project)[1]
    scenario = select_scenario(project)[1]
    brief = Brief(goal=_goal(project, app_url), persona=persona, scenario=scenario)
    lanes = _lanes(kind, actor, brief, 1)
    lane = lanes[0]
    offset = len(bundle.simulations) + 1
    lane.sim_id = f"sim-{offset:02d}"
    lane.stream_id = f"{lane.sim_id}-{kind}"
    lane.transcript_path = f"transcripts/{lane.stream_id}-sanitized.{'txt' if kind == 'codex-tui' else 'jsonl'}"
    lane.trace_path = f"traces/{lane.stream_id}.json"
    log = EventLog(events=list(bundle.events), lifecycle=list(bundle.lifecycle))
    _announce(log, actor, lanes)
    _drive_all(store, kind, actor, lanes, timeout=timeout, concurrency=1, log=log)
    added = _bundle(store, project, kind, lanes, log, bundle.persona, bundle.scenario, now_iso(), bundle.review)
    simulation = added.simulations[0].model_copy(update={"index": len(bundle.simulations)})
    bundle = bundle.model_copy(update={"simulations": [*bundle.simulations, simulation],
                                       "streams": [*bundle.streams, *added.streams], "events": added.events,
                                       "lifecycle": added.lifecycle, "sim_count": bundle.sim_count + 1})
    store.write_bundle(bundle, markdown=store.path("review.md").read_text(encoding="utf-8"))
    write_observer(store, bundle)
    outcome = lane.outcome
    assert outcome is not None
    result.sim_count = bundle.sim_count
    if outcome.status != "passed":
        result.warnings.append(f"The local {LABELS[kind]} actor {outcome.status}: {outcome.reason} "
                               f"(see {lane.transcript_path}).")
