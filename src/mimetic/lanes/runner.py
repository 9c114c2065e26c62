"""The lane runner: lanes fan out on a thread pool (`lanes.pool.fan_out`), each one a state machine.

    queued -> preparing -> running -> passed | failed | blocked | timed_out | interrupted

Every transition goes through the `LaneBoard`, which lands it in run.json and events.ndjson atomically.
A lane that raises becomes `failed` with a redacted reason while the others finish; on Ctrl-C the
pool cancels lanes that have not started and running lanes notice the shared stop event, stop their
sandbox and end `interrupted`. Sandboxes are always closed, whatever happened.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mimetic.clock import now_iso
from mimetic.contracts.bundle import Completion, Embed, StreamArtifact
from mimetic.contracts.lanes import BootstrapCompletion
from mimetic.contracts.manifests import Persona, Scenario
from mimetic.labs.oss_meta import Lane
from mimetic.lanes.board import LaneBoard
from mimetic.lanes.claims import HOST_SCREENSHOT_PATH
from mimetic.lanes.completion import COMPLETION_FILE, LOG_FILE, LOG_TAIL_LINES, STATE_FILE, parse_state
from mimetic.lanes.pool import PoolOutcome, fan_out
from mimetic.lanes.receipts import append_receipt
from mimetic.lanes.scrub import Scrubber, tail
from mimetic.lanes.setup_quality import sanitize_setup_quality
from mimetic.lanes.status import (
    PROGRESS_APP_RUNNING, PROGRESS_BOOTSTRAP, PROGRESS_PREPARING, final_progress, lane_status,
)
from mimetic.lanes.substrate import LaneSandbox, LaneSpec, Substrate
from mimetic.safety.redact import compact_error

if TYPE_CHECKING:
    from mimetic.actors.lane_actor import LaneActorPlan
    from mimetic.actors.preflight import Preflight
    from mimetic.contracts.evidence import ActorReport

STEP_LABELS = {
    "mimetic": "Locating mimetic", "clone": "Cloning the repo", "init": "Running mimetic init",
    "setup-actor": "A coding agent is adopting mimetic for this app",
    "plan": "Planning how to start the app", "install": "Installing dependencies", "start": "Starting the app",
    "probe": "Waiting for the app on loopback", "proof": "Running the nested browser proof",
    "verify": "Verifying the nested run", "observer": "Rendering the nested Observer",
    "visual": "Checking the app surface", "done": "Writing the lane's completion",
}
TERMINAL_TAIL_LINES = 40
COMPLETION_TAILS = ("log_tail", "app_log_tail", "actor_log_tail", "actor_last_message_tail")


@dataclass(frozen=True)
class LaneJob:
    lane: Lane
    spec: LaneSpec
    preset: tuple[str, str] | None = None  # (status, reason) decided before launch: waiting keys, failed preflight


@dataclass
class LaneResult:
    index: int
    status: str
    reason: str
    sandbox_id: str | None = None
    completion: BootstrapCompletion | None = None
    screenshot: bool = False
    log_tail: str = ""
    actor: ActorReport | None = None
    artifacts: list[StreamArtifact] = field(default_factory=list)
    nested_observer: str | None = None  # run-relative: the nested Observer the host rendered into the bundle
    steps: tuple[int, int] | None = None  # (passed, ran) scripted steps of the nested proof


@dataclass(frozen=True)
class RunnerSettings:
    script: str
    substrate_name: str
    private: bool
    poll_interval_s: float = 1.0
    timeout_s: float = 600.0
    tail_refresh_s: float = 2.0
    screenshot_refresh_s: float = 15.0  # a running lane's screenshot is refreshed this often...
    screenshot_settle_s: float = 2.5  # ...once its step has not changed for this long (never mid-transition)
    actor: LaneActorPlan | None = None  # the host-side actor each lane gets, when one is enabled
    actor_preflight: Preflight | None = None
    keep: bool = False  # sandboxes stay up after the run (--keep), and so do their live views
    persona: Persona | None = None  # who each lane's actor is (the lab's persona), when the lab names one
    scenario: Scenario | None = None  # what that actor tries to do (the lab's scenario)


def artifact_token(stream_id: str) -> str:
    """`<stream>` in artifact file names: lower-case, anything but [a-z0-9-] becomes `-`."""
    return re.sub(r"[^a-z0-9-]", "-", stream_id.lower())


class LaneRunner:
    def __init__(self, board: LaneBoard, substrate: Substrate | None, settings: RunnerSettings,
                 scrubbers: dict[int, Scrubber]):
        self.board = board
        self.substrate = substrate
        self.settings = settings
        self.scrubbers = scrubbers
        self.live_views: set[str] = set()  # stream ids that got a live view (the URLs live in lanes/live_feeds.py only)
        self.warnings: list[str] = []
        self._sandbox_ids: dict[int, str] = {}
        self._lock = threading.Lock()

    def run(self, jobs: list[LaneJob], *, concurrency: int, stop: threading.Event | None = None) -> PoolOutcome[LaneResult]:
        with self.board.live():
            return fan_out(jobs, self._drive, concurrency=concurrency, on_error=self._crashed,
                           on_cancel=self._cancelled, stop=stop)

    # --- the state machine -------------------------------------------------------------------------

    def _drive(self, job: LaneJob, stop: threading.Event) -> LaneResult:
        index = job.lane.index
        if job.preset is not None:
            return self._finish(LaneResult(index, *job.preset))
        if stop.is_set():
            return self._cancelled(job)
        if self.substrate is None:
            return self._finish(LaneResult(index, "blocked", "No substrate is available for this lane."))
        self.board.update(index, status="preparing", step=f"Launching the {self.substrate.name} lane.",
                          progress=PROGRESS_PREPARING, event="oss-meta.lane.preparing",
                          message=f"{job.lane.sim_id} launching on the {self.substrate.name} substrate.")
        sandbox = self.substrate.launch(job.spec)
        try:
            result = self._run_sandbox(job, sandbox, stop)
        finally:
            self._close(index, sandbox)
        return self._finish(result)

    def _run_sandbox(self, job: LaneJob, sandbox: LaneSandbox, stop: threading.Event) -> LaneResult:
        lane, index = job.lane, job.lane.index
        with self._lock:
            self._sandbox_ids[index] = sandbox.id
        append_receipt(self.board.store, sandbox_id=sandbox.id, substrate=self.settings.substrate_name,
                       stream_id=lane.stream_id)
        self.board.update(index, event="oss-meta.sandbox.created",
                          message=f"{lane.sim_id} sandbox created and recorded in sandbox-receipts.ndjson.")
        result = LaneResult(index, "interrupted", "Interrupted before the bootstrap started; the lane was stopped.",
                            sandbox_id=sandbox.id)
        if stop.is_set():
            return result
        try:
            sandbox.start_bootstrap(self.settings.script, job.spec.env)
        except Exception as exc:  # noqa: BLE001 - a launcher failure is this lane's failure
            result.status, result.reason = "failed", f"Bootstrap launcher failed: {self._reason(index, exc)}"
            return result
        url = sandbox.stream_url()  # a desktop's live view starts with its bootstrap terminal
        if url:
            from mimetic.lanes.live_feeds import stream_urls

            self.live_views.add(lane.stream_id)
            stream_urls.set(lane.stream_id, url)  # the served Observer overlays it; nothing writes it
            self.board.update(index, event="oss-meta.e2b.stream.started",
                              message=f"{lane.sim_id} live view started (URL kept in memory only).",
                              change=lambda _sim, stream: setattr(stream, "transport", "sse"))
        self.board.update(index, status="running", step="Bootstrap started.", progress=PROGRESS_BOOTSTRAP,
                          event="oss-meta.bootstrap.started", message=f"{lane.sim_id} bootstrap started.",
                          change=lambda _sim, stream: setattr(stream.terminal, "stdin", "sent"))
        plan = self.settings.actor
        actor_first = plan is not None and plan.enabled and plan.first
        if actor_first:
            result.actor = self._run_actor(job, sandbox, None)
        completion, outcome, step = self._await_completion(job, sandbox, stop)
        result.log_tail = self._log_tail(index, sandbox)
        if outcome == "interrupted":
            result.reason = f"Interrupted (Ctrl-C) during: {step}; the lane was stopped."
            return result
        if outcome == "timed_out":
            result.status = "timed_out"
            result.reason = f"The lane did not complete within {self.settings.timeout_s:g}s (last step: {step})."
            return result
        result = self._ingest(job, sandbox, completion, result)
        if plan is not None and plan.enabled:
            from mimetic.actors.lane_actor import lane_outcome

            if not actor_first and not stop.is_set():
                result.actor = self._run_actor(job, sandbox, completion.app_url)
            result.status, result.reason = lane_outcome(result.status, result.reason, result.actor, plan)
        return result

    def _run_actor(self, job: LaneJob, sandbox: LaneSandbox, app_url: str | None) -> ActorReport:
        """The host drives the lane's screen (model keys never enter the lane); writes actors/<stream>.json."""
        from mimetic.actors.lane_actor import run_lane_actor

        lane, index = job.lane, job.lane.index
        self.board.update(index, step="An actor is using the app.", event="oss-meta.actor.started",
                          message=f"{lane.sim_id} actor started.")
        where = f" at {app_url}" if app_url else ""
        scenario = self.settings.scenario
        goal = (f"The {lane.label} app is open on this screen{where}. "
                + (scenario.goal if scenario else "Use it the way a first-time user would.")
                + " Then report what you observed: friction, bugs, confusing moments and improvements.")
        report = run_lane_actor(self.settings.actor, sandbox, store=self.board.store, stream_id=lane.stream_id,
                                persona=self.settings.persona, scenario=scenario, goal=goal,
                                preflight=self.settings.actor_preflight)
        if self.board.store.path(f"actors/{lane.stream_id}.json").is_file():
            result_artifact = StreamArtifact(label="Actor report", path=f"actors/{lane.stream_id}.json", kind="actor")
            self.board.update(index, change=lambda _sim, stream: stream.artifacts.append(result_artifact))
        self.board.update(index, event=f"oss-meta.actor.{report.status}",
                          message=f"{lane.sim_id} actor {report.status}: {self._reason(index, report.reason)}")
        return report

    def _await_completion(self, job: LaneJob, sandbox: LaneSandbox,
                          stop: threading.Event) -> tuple[BootstrapCompletion | None, str, str]:
        index = job.lane.index
        deadline = time.monotonic() + self.settings.timeout_s
        next_tail = next_shot = 0.0
        step, last_tail = "Bootstrap started", ""
        step_since = time.monotonic()
        while True:
            raw = sandbox.read_file(COMPLETION_FILE)
            if raw is not None:
                return self._parse_completion(raw), "completed", step
            if stop.is_set():
                return None, "interrupted", step
            now = time.monotonic()
            if now >= deadline:
                return None, "timed_out", step
            state = parse_state((sandbox.read_file(STATE_FILE) or b"").decode("utf-8", errors="replace"))
            label = STEP_LABELS.get(state.get("step", ""), step)
            if label != step:
                step, step_since = label, now
                running = state.get("app_status") == "running"
                self.board.update(index, step=f"{label}.", progress=PROGRESS_APP_RUNNING if running else PROGRESS_BOOTSTRAP,
                                  event="oss-meta.bootstrap.step", message=f"{job.lane.sim_id}: {label}.")
            if now >= next_tail:
                next_tail = now + self.settings.tail_refresh_s
                current = self._log_tail(index, sandbox)
                if current and current != last_tail:
                    last_tail = current
                    self.board.update(index, change=lambda _sim, stream, text=current: setattr(stream.terminal, "tail", text))
            if now >= next_shot and now - step_since >= self.settings.screenshot_settle_s:
                next_shot = now + self.settings.screenshot_refresh_s
                self._refresh_screenshot(job, sandbox)
            stop.wait(self.settings.poll_interval_s)

    def _refresh_screenshot(self, job: LaneJob, sandbox: LaneSandbox) -> None:
        """A running lane's current screen in its tile (0.1.5's screenshot refresh); a failed capture only waits."""
        try:
            shot = sandbox.screenshot()
        except Exception:  # noqa: BLE001 - a screen that cannot be read now is tried again next time
            return
        if not shot:
            return
        token = artifact_token(job.lane.stream_id)
        self.board.store.write_bytes(f"screenshots/{token}.png", shot)
        url = f"../screenshots/{token}.png"

        def show(_sim, stream) -> None:
            stream.embed = Embed(kind="screenshot", url=url, title=f"{job.lane.label} screen (refreshing)")
            stream.ui.screenshot_url = url

        self.board.update(job.lane.index, change=show)

    def _parse_completion(self, raw: bytes) -> BootstrapCompletion:
        from pydantic import ValidationError

        try:
            completion = BootstrapCompletion.model_validate(json.loads(raw.decode("utf-8", errors="replace")))
        except (ValueError, ValidationError) as exc:
            return BootstrapCompletion(status="failed", reason=f"completion.json is unreadable: {compact_error(exc, 160)}",
                                       completed_at=now_iso())
        # The record comes from the lane: its tails are bounded here, whatever the lane wrote.
        return completion.model_copy(update={name: tail(getattr(completion, name), LOG_TAIL_LINES)
                                             for name in COMPLETION_TAILS})

    def _ingest(self, job: LaneJob, sandbox: LaneSandbox, completion: BootstrapCompletion,
                result: LaneResult) -> LaneResult:
        from mimetic.lanes.lane_evidence import collect

        index, store = job.lane.index, self.board.store
        scrub = self.scrubbers[index]
        private = self.settings.private or job.lane.redacted
        completion = BootstrapCompletion.model_validate(scrub.value(completion.to_json()))
        token = artifact_token(job.lane.stream_id)
        status, reason = lane_status(completion)
        check = sandbox.audit(completion)  # the record is the lane's claim; the host checks it
        if check.problem:
            status, reason = "failed", check.problem
        if check.host_screenshot:  # the host's own look at the app: evidence, unlike the lane's screenshots
            path = HOST_SCREENSHOT_PATH.format(token=token)
            store.write_bytes(path, check.host_screenshot)
            result.artifacts.append(StreamArtifact(label="Host's own screenshot of the app", path=path, kind="screenshot"))
        # Before the lane folder goes: the nested proof, its screenshots, log tails and the failure line.
        evidence = collect(sandbox, store, token, nested_run_id=completion.nested_run_id,
                           failure="" if status == "passed" else reason, scrub=scrub)
        result.artifacts.extend(evidence.artifacts)
        if completion.actor_reason:  # the setup actor: what it did, or why it did not run
            level = "info" if completion.actor_status in ("passed", "not_started") else "warn"
            self.board.update(index, event=f"oss-meta.setup-actor.{completion.actor_status}", level=level,
                              message=f"{job.lane.sim_id} setup actor {completion.actor_status}: {completion.actor_reason}")
        result.nested_observer = next((a.path for a in evidence.artifacts if a.kind == "observer"), None)
        if evidence.steps:
            result.steps = (evidence.passed_steps, evidence.steps)
        if completion.setup_quality is not None:
            setup = sanitize_setup_quality(completion.setup_quality.to_json(), private=private,
                                           scrub=scrub.text)
            completion.setup_quality = setup
            if setup is not None:
                path = f"setup-quality/{token}-setup-quality.json"
                store.write_json(path, setup.to_json())
                result.artifacts.append(StreamArtifact(label="Setup quality", path=path, kind="filesystem"))
        # The tile's screenshot: the most informative one the proof took (the passing viewport's last screen,
        # else the last one taken); a desktop lane's own screen when there is no nested proof.
        shot = store.path(evidence.screenshots[0]).read_bytes() if evidence.screenshots else sandbox.screenshot()
        if shot:
            store.write_bytes(f"screenshots/{token}.png", shot)
            result.screenshot = True
            if private:
                self._warn("Screenshots of private lanes are local-only evidence under .mimetic/; do not publish them.")
        result.completion = completion
        result.status, result.reason = status, reason
        result.log_tail = completion.log_tail or result.log_tail
        return result

    # --- ends of a lane --------------------------------------------------------------------------

    def _finish(self, result: LaneResult) -> LaneResult:
        index = result.index
        lane = self.board.lanes[index]
        completion = result.completion
        current = self.board.sim(index).progress
        progress = final_progress(result.status, completion_present=completion is not None, current=current)
        token = artifact_token(lane.stream_id)

        def apply(sim, stream) -> None:
            at = now_iso()
            stream.artifacts.extend(result.artifacts)
            stream.completion = _bundle_completion(result, at)
            sim.summary = f"{lane.label}: {result.status} — {result.reason}"
            ui = stream.ui
            if completion is not None:
                ui.app_status, ui.actor_status = completion.app_status, completion.actor_status
                ui.visual_status = completion.visual_status
                if completion.app_url:
                    ui.app_url = ui.route = completion.app_url
                # The copy rendered into this run (relative to observer/index.html), or no link at all.
                ui.nested_observer_path = f"../{result.nested_observer}" if result.nested_observer else None
            elif result.status == "blocked":
                ui.app_status = ui.actor_status = "blocked"
            if result.actor is not None:
                ui.actor_status = result.actor.status
            if result.steps is not None:
                ui.proof_steps_passed, ui.proof_steps = result.steps
            ui.state = f"{result.reason} | app={ui.app_status} | actor={ui.actor_status} | visual={ui.visual_status}"
            if result.screenshot:
                url = f"../screenshots/{token}.png"
                stream.embed = Embed(kind="screenshot", url=url, title=f"{lane.label} app screenshot")
                ui.screenshot_url = url
            stream.terminal.tail = completion_block(result)

        event = f"oss-meta.bootstrap.{completion.status}" if completion is not None else f"oss-meta.lane.{result.status}"
        level = "info" if result.status == "passed" else "warn" if result.status in ("blocked", "interrupted") else "error"
        self.board.update(index, status=result.status, step=result.reason, progress=progress, reason=result.reason,
                          event=event, message=f"{lane.sim_id} {result.status}: {result.reason}", level=level,
                          change=apply)
        return result

    def _crashed(self, job: LaneJob, exc: BaseException) -> LaneResult:
        index = job.lane.index
        with self._lock:
            sandbox_id = self._sandbox_ids.get(index)
        return self._finish(LaneResult(index, "failed", f"Lane failed: {self._reason(index, exc)}", sandbox_id=sandbox_id))

    def _cancelled(self, job: LaneJob) -> LaneResult:
        return self._finish(LaneResult(job.lane.index, "interrupted", "Cancelled before launch (interrupted)."))

    def _close(self, index: int, sandbox: LaneSandbox) -> None:
        if not self.settings.keep:  # a killed desktop has no live view left to show
            from mimetic.lanes.live_feeds import stream_urls

            stream_urls.discard(self.board.lanes[index].stream_id)
        try:
            sandbox.close()
        except Exception as exc:  # noqa: BLE001 - a failed close is reported, never fatal
            self.board.update(index, event="oss-meta.sandbox.close_failed", level="warn",
                              message=f"Closing the sandbox failed: {self._reason(index, exc)}")
            self._warn(f"A sandbox could not be closed; run `mimetic cleanup --run {self.board.store.run_id}`.")

    # --- helpers ---------------------------------------------------------------------------------

    def _reason(self, index: int, error: object) -> str:
        text = str(error) or (type(error).__name__ if isinstance(error, BaseException) else "no reason given")
        return compact_error(self.scrubbers[index].text(text))

    def _log_tail(self, index: int, sandbox: LaneSandbox) -> str:
        raw = sandbox.read_file(LOG_FILE)
        return self.scrubbers[index].text(tail(raw.decode("utf-8", errors="replace"), TERMINAL_TAIL_LINES)) if raw else ""

    def _warn(self, message: str) -> None:
        with self._lock:
            if message not in self.warnings:
                self.warnings.append(message)


def _bundle_completion(result: LaneResult, at: str) -> Completion:
    c = result.completion
    if c is None:
        return Completion(status=result.status, reason=result.reason, checked_at=at, log_tail=result.log_tail or None)
    return Completion(
        status=result.status, reason=result.reason, checked_at=at, exit_code=c.exit_code, log_tail=c.log_tail or None,
        actor_status=c.actor_status, actor_reason=c.actor_reason,
        actor_log_tail=c.actor_log_tail or None, actor_last_message_tail=c.actor_last_message_tail or None,
        app_status=c.app_status, app_url=c.app_url, app_pid=c.app_pid,
        app_reason=c.app_reason, app_log_path=c.app_log_path, nested_observer_present=c.nested_observer_present,
        nested_verify_passed=c.nested_verify_status == "passed", visual_status=c.visual_status,
        visual_reason=c.visual_reason, visual_window_count=c.visual_window_count,
    )


def completion_block(result: LaneResult) -> str:
    """The lane's terminal tail once it ended: its record first, then the bootstrap log tail."""
    c = result.completion
    lines = [f"status: {result.status}", f"reason: {result.reason}", f"checked_at: {now_iso()}"]
    if c is not None:
        lines += [
            f"app_status: {c.app_status}" + (f" url={c.app_url}" if c.app_url else "")
            + (f" reason={c.app_reason}" if c.app_reason else ""),
            f"package_manager: {c.package_manager or '-'} script: {c.app_script or '-'} framework: {c.app_framework or '-'}",
            f"actor_status: {c.actor_status}" + (f" — {c.actor_reason}" if c.actor_reason else ""),
            f"exit_code: {c.exit_code}",
            f"nested_proof: {c.nested_proof} ({c.nested_proof_status})",
            f"nested_verify_passed: {str(c.nested_verify_status == 'passed').lower()}",
            f"nested_observer_present: {str(c.nested_observer_present).lower()}",
            f"visual_status: {c.visual_status} windows={c.visual_window_count}"
            + (f" reason={c.visual_reason}" if c.visual_reason else ""),
        ]
        if c.setup_quality is not None:
            lines.append(f"setup_quality: {c.setup_quality.status} — {c.setup_quality.summary}")
            study = c.setup_quality.study_quality
            if study is not None:
                lines.append(f"study_quality: {study.rating} — {study.summary}")
    if result.log_tail:
        lines += ["", "--- bootstrap log tail ---", result.log_tail.rstrip("\n")]
    return "\n".join(lines) + "\n"
