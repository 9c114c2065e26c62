"""`mimetic run --app-url <url> --study <lab-or-scenario>`: run a study and write its bundle.

Writes the usual bundle (run.json with a `study` block of tallies, review, events, Observer) plus
`study.json` (every lane's attempts, actions, friction and evidence screenshots). Exit code: 0 when
the study ran, whatever the participants reached; 1 when a required task's success rate is below
`require`, or when no attempt could run at all (every one blocked); 130 on Ctrl-C.
"""

from __future__ import annotations

from mimetic.browser.chromium import find_chromium, launch_chromium
from mimetic.bundle.compose import EventLog, source_info
from mimetic.bundle.store import RunStore
from mimetic.clock import new_run_id, now_iso
from mimetic.contracts.bundle import (
    Completion, Embed, Review, RunBundle, Simulation, Stream, StreamArtifact, StreamUi, Viewport,
)
from mimetic.contracts.results import ErrorInfo, RunResult
from mimetic.contracts.study import StudyLane, StudySummary, TaskAttempt
from mimetic.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_VERDICT
from mimetic.interrupts import signals_held, signals_interrupt
from mimetic.project import Project
from mimetic.studies.outcomes import outcome_counts, summarise
from mimetic.studies.plan import SCRIPTED, StudyPlan, plan_study
from mimetic.studies.runner import LaneRun, Participant, lane_id_for, run_lane

STUDY_PATH = "study.json"


def participant_for(plan: StudyPlan) -> Participant:
    if plan.actor == SCRIPTED:
        from mimetic.studies.scripted import ScriptedParticipant

        return ScriptedParticipant()
    from mimetic.studies.model_actor import ModelParticipant

    return ModelParticipant(plan.actor, plan.lab_manifest.actor if plan.lab_manifest else None)


def judge_for(plan: StudyPlan):
    """The model judge, when a task asks for one (`judge: model`)."""
    if not any(task.judge == "model" for task in plan.scenario.tasks):
        return None
    from mimetic.studies.judge import Judge

    return Judge.from_lab(plan.judge)


def lane_status(lane: StudyLane) -> str:
    outcomes = {a.outcome for a in lane.attempts}
    if outcomes == {"reached"}:
        return "passed"
    if outcomes <= {"blocked"}:
        return "blocked"
    return "failed"


def _stream(plan: StudyPlan, run: LaneRun, at: str) -> Stream:
    lane, surface = run.lane, run.behaviour.surface
    status = lane_status(lane)
    reached = sum(a.outcome == "reached" for a in lane.attempts)
    state = f"{reached}/{len(lane.attempts)} task(s) reached as {lane.persona_id} ({lane.device}, {lane.input_style})"
    artifacts = [StreamArtifact(label="Run bundle", path="run.json", kind="bundle"),
                 StreamArtifact(label="Study outcomes", path=STUDY_PATH, kind="trace")]
    shot = run.last_screenshot
    if shot:
        artifacts.append(StreamArtifact(label=f"{lane.persona_id} final screenshot", path=shot, kind="screenshot"))
    shot_url = f"../{shot}" if shot else None
    viewport = surface.viewport
    reason = "; ".join(f"{a.task_id} {a.outcome}: {a.reason}" for a in lane.attempts)[:400]
    return Stream(
        id=lane.id, sim_id=lane.id, kind="browser", label=f"{lane.persona_id} ({surface.label})", status=status,
        transport="snapshot", updated_at=at,
        embed=Embed(kind="screenshot", url=shot_url, title=lane.persona_id) if shot_url
        else Embed(kind="placeholder", title=lane.persona_id),
        viewport=Viewport(width=viewport.width, height=viewport.height, device_scale_factor=viewport.device_scale_factor,
                          is_mobile=viewport.is_mobile),
        ui=StreamUi(actor_status=status, app_status="running", app_url=plan.app_url, intent=plan.scenario.goal,
                    screenshot_url=shot_url, state=state, visual_status="visible" if shot else "blocked"),
        completion=Completion(status=status, reason=reason or "No task was attempted.", checked_at=at,
                              app_url=plan.app_url, visual_status="visible" if shot else "blocked"),
        artifacts=artifacts)


def _simulation(plan: StudyPlan, run: LaneRun, index: int, started_at: str, at: str) -> Simulation:
    lane = run.lane
    last = lane.attempts[-1] if lane.attempts else None
    return Simulation(id=lane.id, index=index, persona_id=lane.persona_id, scenario_id=plan.scenario.id,
                      status=lane_status(lane), stream_kind="browser", mode="browser-sim", progress=100,
                      current_step=f"{last.task_id}: {last.outcome}" if last else "no task ran",
                      summary="; ".join(f"{a.task_id} {a.outcome}" for a in lane.attempts),
                      stream_ids=[lane.id], started_at=started_at, updated_at=at)


def verdict_of(summary: StudySummary, interrupted: bool) -> str:
    if interrupted:
        return "interrupted"
    attempts = [a for lane in summary.lanes for a in lane.attempts]
    if attempts and all(a.outcome == "blocked" for a in attempts):
        return "blocked"
    return "pass" if summary.require_met else "fail"


def _review(plan: StudyPlan, summary: StudySummary, verdict: str, participant: Participant) -> Review:
    text = f"Study of {plan.app_url} ({plan.scenario.id}): {summary.headline}."
    if summary.below_require:
        text += (f" Below the required success rate {summary.require:g}: " + ", ".join(summary.below_require) + ".")
    gaps = []
    if participant.kind == "scripted-browser":
        gaps.append("The scripted actor played the scenario's steps as the participant; no model used the app.")
    else:
        gaps.append(f"The {participant.kind} actor's own verdict is kept as each participant's self-report; "
                    "only mimetic's checks decide `reached`.")
    if summary.require is None:
        gaps.append("No `require` threshold was set, so no success rate can fail the run (set require in the lab).")
    gaps.append("Only loopback hosts (and hosts allowed by mimetic/policies/network.yaml) can be studied.")
    return Review(verdict=verdict, summary=text, gaps=gaps)


def tasks_section(summary: StudySummary) -> list[str]:
    lines = [f"task `{t.task_id}`{'' if t.required else ' (optional)'}: {outcome_counts(t)}"
             + (f", {t.friction} with friction" if t.friction else "") for t in summary.tasks]
    lines += [f"persona `{p.persona_id}`: {outcome_counts(p)}" for p in summary.personas]
    if summary.funnel:
        lines.append("funnel: " + " > ".join(f"{f.task_id} {f.reached}/{f.n}" for f in summary.funnel))
    for lane in summary.lanes:
        for attempt in lane.attempts:
            lines.append(f"{lane.persona_id} / {attempt.task_id}: {attempt.outcome} after {attempt.steps} step(s) "
                         f"- {attempt.reason}" + _divergence_text(attempt))
    return lines


def _divergence_text(attempt: TaskAttempt) -> str:
    if attempt.divergence is None:
        return ""
    action = attempt.actions[attempt.divergence]
    return f" (diverged at action {action.index + 1}: {action.action} {action.label}; {action.note})".rstrip("; )") + ")"


def run_study(project: Project, study: str, *, app_url: str | None, actor: str | None, run_id: str | None,
              require: float | None = None, resolved=None) -> tuple[RunResult, int]:
    from mimetic.labs.synthetic import run_result, write_run
    from mimetic.studies.feedback import study_candidates

    plan = plan_study(project, study, app_url=app_url, actor=actor, require=require, resolved=resolved)
    chromium = find_chromium()
    participant = participant_for(plan)
    judge = judge_for(plan)
    # As a lab run (interrupts.py): from the run's first write on, a stop signal stops the lanes, and it is held
    # from then until the command has printed its result, so SIGTERM or a second Ctrl-C cannot cut the bundle or
    # the result short.
    with signals_held():
        store = RunStore.new(project, run_id or new_run_id("study"))
        created_at = now_iso()
        log = EventLog()
        log.mark("run.created", f"Study run {store.run_id} created: {len(plan.personas)} persona(s) x "
                                f"{len(plan.scenario.tasks)} task(s).")
        runs: list[LaneRun] = []
        interrupted = False
        try:
            with signals_interrupt(), launch_chromium(chromium) as launched:
                for index, persona in enumerate(plan.personas):
                    runs.append(_run_one(launched, plan, persona, participant, store, log, index, judge))
        except KeyboardInterrupt:
            interrupted = True
            log.mark("run.interrupted", "Interrupted (Ctrl-C or a stop signal); unfinished lanes were left out of "
                                        "the tallies.")
        lanes = [run.lane for run in runs]
        summary = summarise(plan.scenario, lanes, actor=participant.kind, require=plan.require)
        verdict = verdict_of(summary, interrupted)
        at = now_iso()
        log.mark("review.created", f"Review verdict {verdict}.")
        store.write_json(STUDY_PATH, summary.to_json())
        bundle = RunBundle(
            run_id=store.run_id, mode="live", sim_count=len(runs), created_at=created_at,
            artifact_root=store.artifact_root, lab=plan.lab, source=source_info(project), persona=plan.personas[0].ref,
            scenario=plan.scenario_ref, lifecycle=log.lifecycle,
            simulations=[_simulation(plan, run, i, created_at, at) for i, run in enumerate(runs)],
            streams=[_stream(plan, run, at) for run in runs], events=log.events,
            review=_review(plan, summary, verdict, participant),
            study=summary.model_copy(update={"lanes": []}))
        bundle.feedback_candidates = study_candidates(bundle, summary)
        write_run(store, bundle, {"Tasks": tasks_section(summary)})
        ok = verdict == "pass"
        result = run_result(store, bundle, list(plan.warnings), ok=ok, lab=plan.lab.id if plan.lab else None)
        if not ok:
            code = {"fail": "MIMETIC_STUDY_BELOW_REQUIRE", "blocked": "MIMETIC_STUDY_BLOCKED",
                    "interrupted": "MIMETIC_INTERRUPTED"}[verdict]
            result.error = ErrorInfo(code=code, message=bundle.review.summary)
        exit_code = EXIT_OK if ok else EXIT_INTERRUPTED if interrupted else EXIT_VERDICT
        return result, exit_code


def _run_one(launched, plan: StudyPlan, persona, participant: Participant, store: RunStore, log: EventLog,
             index: int, judge) -> LaneRun:
    from mimetic.browser.chromium import close_quietly
    from mimetic.studies.behaviour import behaviour_of

    lane_id = lane_id_for(index, persona)
    context = launched.new_context(behaviour_of(persona.model).surface)
    try:
        page = context.new_page()
        run = run_lane(page, plan, persona, participant, store=store, lane_id=lane_id, judge=judge)
    finally:
        close_quietly(context.close)
    for attempt in run.lane.attempts:
        log.add(f"study.task.{attempt.outcome}", f"{persona.ref.id} {attempt.task_id}: {attempt.outcome} - "
                f"{attempt.reason}", level="info" if attempt.outcome == "reached" else "warn",
                sim_id=lane_id, stream_id=lane_id)
    return run
