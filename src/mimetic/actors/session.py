"""The computer-use loop, provider-neutral: a persona uses the product through a `Computer` until it reaches
a verdict or a limit. `ModelActor` is a lane-level `Actor` (actors/actor.py) around one `Provider`.

Runs in the mimetic process on the host, never in a sandbox: the model key stays in this process's
memory (registered with the redactor) and no file, transcript or screenshot name ever holds it.

Evidence, all through the run store (atomic, redacted):
  actors/<stream>.json               the ActorReport (mimetic.actor.v1) with one entry per model turn (tokens,
                                     cached tokens, cost, latency, requests), rewritten as the actor works
  actors/<stream>-transcript.ndjson  one line per action (typed text redacted) plus the final message
  screenshots/<stream>-actor-NNN.png the settled screen after model turn NNN (never inline in the transcript)

How a lane ends: the model's structured verdict (passed / blocked / failed); `timed_out` when the wall
time, the turn budget (`maxSteps`) or the action budget (`maxActions`) runs out, or when a rate limit or
server error outlasts the deadline; `blocked` for a pending safety check (never acknowledged), a spent
USD budget, a missing or rejected key, an unavailable model or an exhausted quota; `failed` for a loop
(the same actions leaving the screen unchanged, turn after turn), a computer that stopped working, any
other API error, or a reply without a verdict; whatever a computer that ends the session itself says
(`StopActing`: a study's `stopWhen` or a participant's patience).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from mimetic.actors.actor import Brief, Preflight
from mimetic.actors.budget import ActorBudget
from mimetic.actors.computer import Action, Computer, StopActing
from mimetic.actors.instructions import Verdict, build_instructions, first_message, parse_verdict
from mimetic.actors.providers.base import (
    BLOCKING, HistoryPolicy, ModelTurn, Provider, ProviderError, Screen,
)
from mimetic.actors.rates import cost_usd, missing_rate_message, rate_date, rate_for
from mimetic.actors.retry import Attempts, DeadlineReached, call_with_retries
from mimetic.actors.settle import fingerprint, settled_screenshot
from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.evidence import ActorReport, ActorTurn, Finding, TokenUsage
from mimetic.errors import MimeticError
from mimetic.safety.redact import compact_error, redact_text

SKIP_PREFLIGHT_ENV = "MIMETIC_OSS_META_SKIP_ACTOR_PREFLIGHT"
PREFLIGHT_TIMEOUT_S = 30.0
LOOP_REPEATS = 3  # this many turns with the same actions and an unchanged screen is a loop, not progress
NOT_PROGRESS = frozenset({"wait", "screenshot"})  # waiting for a slow page is not a loop; budgets bound it
TAIL_CHARS = 2000
NOTE_CHARS = 300
NUDGE = ("Do not ask for confirmation. If you are finished, reply now with your summary and the fenced JSON "
         "verdict block described in your instructions; otherwise keep working toward the goal.")


class ModelActor:
    """A lane actor driven by a computer-use model behind `provider`."""

    def __init__(self, kind: str, provider: Provider):
        self.kind, self.provider, self.model = kind, provider, provider.model

    def preflight(self) -> Preflight:
        """Is the model available to this key? Asked without a model turn (models.retrieve or the like)."""
        if (os.environ.get(SKIP_PREFLIGHT_ENV) or "").strip() == "1":
            return Preflight("skipped", f"Actor preflight skipped ({SKIP_PREFLIGHT_ENV}=1).", self.model)
        check = self.provider.check_model(PREFLIGHT_TIMEOUT_S)
        if check.available:
            return Preflight("passed", f"Actor preflight passed: {check.reason}", self.model)
        status = "blocked" if check.kind in BLOCKING else "failed"
        return Preflight(status, f"Actor preflight: {check.reason}", self.model)

    def run(self, surface: Computer, brief: Brief, *, budget: ActorBudget, store: RunStore,
            stream_id: str) -> ActorReport:
        """Let the persona pursue the brief's goal; returns (and writes) the lane's ActorReport. Never raises for
        an actor outcome; only KeyboardInterrupt passes through (after the report says `interrupted`)."""
        return _Session(self, surface, brief, budget=budget, store=store, stream_id=stream_id).run()


class _Stop(Exception):
    """Ends the loop with a status and a reason."""

    def __init__(self, status: str, reason: str, findings: tuple[Finding, ...] = (),
                 safety_checks: list[str] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.findings = status, reason, findings
        self.safety_checks = safety_checks or []


class _Session:
    def __init__(self, actor: ModelActor, computer: Computer, brief: Brief, *, budget: ActorBudget, store: RunStore,
                 stream_id: str):
        self.actor, self.provider, self.model = actor, actor.provider, actor.model
        self.computer, self.brief, self.budget = computer, brief, budget
        self.store, self.stream_id = store, stream_id
        self.report_path = f"actors/{stream_id}.json"
        self.transcript_path = f"actors/{stream_id}-transcript.ndjson"
        self.started_at, self.started = now_iso(), time.monotonic()
        self.deadline = self.started + budget.timeout_ms / 1000
        self.steps = 0
        self.turns: list[ActorTurn] = []
        self.lines: list[dict[str, Any]] = []
        self.stuck: list[tuple[Action, ...]] = []  # actions of the latest consecutive turns that changed nothing
        self.warnings: list[str] = []
        self.last_text = ""

    # --- outer shell: every outcome becomes a written report -------------------------------

    def run(self) -> ActorReport:
        self._write_progress()
        try:
            verdict = self._loop()
        except _Stop as stop:
            return self._finish(stop.status, stop.reason, findings=list(stop.findings),
                                safety_checks=stop.safety_checks)
        except MimeticError as exc:  # a malformed setting or a substrate failure: say which, no traceback
            return self._finish("blocked" if exc.code == "MIMETIC_INVALID_ENV" else "failed", exc.message)
        except KeyboardInterrupt:
            self._finish("interrupted", "Interrupted (Ctrl-C) while the actor was working.")
            raise
        except Exception as exc:  # a lane must end with evidence, never with a traceback
            return self._finish("failed", compact_error(f"The actor stopped on an unexpected error: "
                                                        f"{type(exc).__name__}: {exc}", 400))
        return self._finish(verdict.verdict, _verdict_reason(verdict), verdict=verdict)

    # --- the loop -----------------------------------------------------------------------------

    def _loop(self) -> Verdict:
        run_budget = self.budget.run
        if run_budget is not None and run_budget.exhausted():
            raise _Stop("blocked", f"The run's USD budget (${run_budget.max_usd:g}, actor.maxUsdPerRun) was already "
                                   "spent before this lane's actor started.")
        if rate_for(self.model) is None:
            if self.budget.caps_usd:
                raise _Stop("blocked", missing_rate_message(self.model) + " The actor did not start.")
            self.warnings.append(f"Model {self.model} has no rate in the rate table ({rate_date()}); its cost is "
                                 "unknown (null), not 0.")
        width, height = (int(n) for n in self.computer.size)
        screen = Screen(width, height, getattr(self.computer, "environment", "linux"))
        try:
            conversation = self.provider.open(
                instructions=build_instructions(self.brief.persona, self.brief.scenario, self.brief.goal),
                screen=screen, history=HistoryPolicy(keep_screenshots=self.budget.keep_screenshots))
        except ProviderError as error:
            raise _Stop("blocked" if error.kind in BLOCKING else "failed", error.reason) from None
        shot = self._screenshot(0)
        turn = self._ask(lambda timeout: conversation.begin(first_message(self.brief.goal), shot, timeout))
        nudged = False
        while True:
            if turn.text:
                self.last_text = turn.text
            if not turn.actions:
                verdict = parse_verdict(turn.text, default_where=self._where())
                if verdict is None and not nudged:
                    nudged = True
                    self._line("message", text=turn.text)
                    self._check_usd()  # the nudge is one more paid request
                    turn = self._ask(lambda timeout: conversation.say(NUDGE, timeout))
                    continue
                self._line("final", text=turn.text)
                if verdict is None:
                    raise _Stop("failed", "actor gave no structured verdict")
                return verdict
            self._check_usd()
            # Any pending check stops the turn before any of its actions runs.
            if turn.safety_checks:
                checks = list(turn.safety_checks)
                raise _Stop("blocked", f"{self.provider.name} raised a pending safety check, which mimetic never "
                                       "acknowledges on its own: " + "; ".join(checks), safety_checks=checks)
            before = shot
            first = len(self.lines)
            note = turn.reasoning or turn.text
            for action in turn.actions:
                self._act(action, note)
                note = ""
            shot = self._screenshot(len(self.turns))
            if len(self.lines) > first:
                self.lines[-1]["screenshot"] = self._shot_path(len(self.turns))
            self._write_transcript()
            self._guard_loop(turn.actions, before, shot)
            turn = self._ask(lambda timeout: conversation.after(shot, timeout))

    def _act(self, action: Action, note: str) -> None:
        if self.steps >= self.budget.max_actions:
            raise _Stop("timed_out", f"The actor used its whole action budget ({self.budget.max_actions} actions, "
                                     "actor.maxActions) without reaching a verdict.")
        if time.monotonic() >= self.deadline:
            raise _Stop("timed_out", self._timeout_reason())
        self.steps += 1
        self._line(action.kind, args=_args(action), text=note)
        try:
            self.computer.act(action)
        except StopActing as stop:
            raise _Stop(stop.status, stop.reason) from None
        except Exception as exc:
            raise _computer_failed(action.kind, exc) from None

    def _guard_loop(self, actions: tuple[Action, ...], before: bytes, after: bytes) -> None:
        """A loop is the same actions leaving the screen unchanged LOOP_REPEATS turns in a row (3x ArrowDown in
        one turn, or a wait while a page loads, is not)."""
        if all(a.kind in NOT_PROGRESS for a in actions) or fingerprint(before) != fingerprint(after):
            self.stuck = []
            return
        self.stuck = [a for a in self.stuck if a == actions] + [actions]
        if len(self.stuck) < LOOP_REPEATS:
            return
        described = "; ".join(_describe(a) for a in actions)
        finding = Finding(observed=f"The actor repeated the same actions {LOOP_REPEATS} times ({described}) and the "
                                   "screen did not change.", where=self._where(), severity="low", owner="actor")
        raise _Stop("failed", f"Loop guard: the same actions left the screen unchanged {LOOP_REPEATS} turns in a row "
                              f"({described}); stopped.", (finding,))

    def _ask(self, call: Callable[[float], ModelTurn]) -> ModelTurn:
        """One model turn, retried inside the deadline; recorded with its tokens, cost and latency."""
        if len(self.turns) >= self.budget.max_steps:
            raise _Stop("timed_out", f"The actor used its whole turn budget ({self.budget.max_steps} model turns, "
                                     "actor.maxSteps) without reaching a verdict.")
        if time.monotonic() >= self.deadline:
            raise _Stop("timed_out", self._timeout_reason())
        attempts, started = Attempts(), time.monotonic()
        try:
            turn = call_with_retries(call, self.deadline, attempts)
        except DeadlineReached as reached:
            last = f" The last answer was: {reached.last.reason}" if reached.last else ""
            raise _Stop("timed_out", self._timeout_reason() + f" ({reached.attempts} request(s) for the last turn.)"
                        + last) from None
        except ProviderError as error:
            raise _Stop("blocked" if error.kind in BLOCKING else "failed", error.reason) from None
        usage = turn.usage
        cost = cost_usd(self.model, usage)
        self.turns.append(ActorTurn(
            index=len(self.turns) + 1, tokens=TokenUsage(input=usage.input_tokens, output=usage.output_tokens,
                                                         cached=usage.cached_tokens),
            cost_usd=None if cost is None else round(cost, 6), latency_ms=int((time.monotonic() - started) * 1000),
            requests=attempts.count, actions=len(turn.actions)))
        if self.budget.run is not None and cost is not None:
            self.budget.run.charge(cost)
        self._write_progress()
        return turn

    def _check_usd(self) -> None:
        """Before acting on a turn: a spent budget stops the lane (the final verdict of a turn is still kept)."""
        lane_cap, run = self.budget.max_usd_per_lane, self.budget.run
        spent = self._cost()
        if lane_cap is not None and spent is not None and spent >= lane_cap:
            raise _Stop("blocked", f"The lane's USD budget is spent: ${spent:.4f} of ${lane_cap:g} "
                                   "(actor.maxUsdPerLane).")
        if run is not None and run.exhausted():
            raise _Stop("blocked", f"The run's USD budget is spent: ${run.spent:.4f} of ${run.max_usd:g} "
                                   "(actor.maxUsdPerRun).")

    def _cost(self) -> float | None:
        costs = [t.cost_usd for t in self.turns]
        return None if any(c is None for c in costs) else round(sum(c for c in costs if c is not None), 6)

    def _timeout_reason(self) -> str:
        return f"The actor ran out of wall time ({self.budget.timeout_ms} ms, MIMETIC_OSS_META_ACTOR_TIMEOUT_MS or " \
               "actor.timeoutMs) before reaching a verdict."

    # --- evidence -----------------------------------------------------------------------------

    def _shot_path(self, index: int) -> str:
        return f"screenshots/{self.stream_id}-actor-{index:03d}.png"

    def _screenshot(self, index: int) -> bytes:
        """The settled screen (unchanged for the settle window, bounded), stored as turn `index`'s screenshot."""
        try:
            png = settled_screenshot(self.computer.screenshot, self.budget.settle, self.deadline)
        except Exception as exc:
            raise _computer_failed("take a screenshot", exc) from None
        self.store.write_bytes(self._shot_path(index), png)
        return png

    def _where(self) -> str:
        try:
            return self.computer.current_url() or f"step {self.steps}"
        except Exception:  # a closed page has no URL; the step still says where
            return f"step {self.steps}"

    def _line(self, kind: str, *, args: dict[str, Any] | None = None, text: str = "") -> None:
        line: dict[str, Any] = {"step": self.steps, "turn": len(self.turns), "at": now_iso(), "kind": kind}
        if args:
            line["args"] = args
        if text:
            line["text"] = compact_error(text, NOTE_CHARS)
        url = self._where()
        if not url.startswith("step "):
            line["url"] = url
        self.lines.append(line)

    def _write_transcript(self) -> None:
        self.store.write_text(self.transcript_path, "".join(json.dumps(line, ensure_ascii=False) + "\n"
                                                            for line in self.lines))

    def _report(self, status: str, reason: str, **fields: Any) -> ActorReport:
        tokens = TokenUsage(input=sum(t.tokens.input for t in self.turns),
                            output=sum(t.tokens.output for t in self.turns),
                            cached=sum(t.tokens.cached for t in self.turns))
        cost = self._cost()
        return ActorReport(
            id=self.stream_id, kind=self.actor.kind, provider=self.provider.name, status=status,
            reason=compact_error(reason, 400), model=self.model, started_at=self.started_at,
            duration_ms=int((time.monotonic() - self.started) * 1000), steps=self.steps, tokens=tokens,
            cost_usd=cost, rate_date=rate_date() if self.turns and cost is not None else None,
            turns=list(self.turns), warnings=list(self.warnings),
            transcript_path=self.transcript_path if self.lines else None, **fields)

    def _write_progress(self) -> None:
        """The report while the actor works: a watcher (or a crash) sees the spend so far."""
        self.store.write_json(self.report_path, self._report("running", "The actor is working.").to_json())

    def _finish(self, status: str, reason: str, *, verdict: Verdict | None = None,
                findings: list[Finding] | None = None, safety_checks: list[str] | None = None) -> ActorReport:
        if self.lines:
            self._write_transcript()
        report = self._report(status, reason, verdict=verdict.verdict if verdict else None, ended_at=now_iso(),
                              safety_checks=safety_checks or [],
                              findings=(verdict.findings if verdict else []) + (findings or []),
                              last_message_tail=redact_text(self.last_text)[-TAIL_CHARS:])
        self.store.write_json(self.report_path, report.to_json())
        return report


def _computer_failed(what: str, exc: Exception) -> _Stop:
    """A computer that stopped working ends the lane as failed, saying what it could not do and why."""
    detail = exc.message if isinstance(exc, MimeticError) else f"{type(exc).__name__}: {exc}"
    return _Stop("failed", compact_error(f"The computer could not {what}: {detail}", 400))


def _verdict_reason(verdict: Verdict) -> str:
    if verdict.summary:
        return verdict.summary
    return {"passed": "The actor reached the goal.", "failed": "The actor could not reach the goal.",
            "blocked": "Something outside normal use stopped the actor."}[verdict.verdict]


def _args(action: Action) -> dict[str, Any]:
    """The arguments that matter for this kind of action (typed text passes through the redactor)."""
    kind = action.kind
    args: dict[str, Any] = {}
    if kind in ("click", "double_click", "move", "scroll"):
        args.update(x=action.x, y=action.y)
    if kind == "click":
        args["button"] = action.button
    if kind == "scroll":
        args.update(scrollX=action.scroll_x, scrollY=action.scroll_y)
    if kind == "drag":
        args["path"] = [list(point) for point in action.path]
    if kind == "type":
        args["text"] = redact_text(action.text)
    if action.keys:
        args["keys"] = list(action.keys)
    if kind == "wait":
        args["ms"] = action.ms
    return args


def _describe(action: Action) -> str:
    args = _args(action)
    return action.kind + (" " + ", ".join(f"{k}={v}" for k, v in args.items()) if args else "")
