"""`run_actor`: one persona uses the product through a `Computer` until it reaches a verdict or a limit.

Runs in the mimetic process on the host, never in a sandbox: the model key stays in this process's
memory (registered with the redactor) and no file, transcript or screenshot name ever holds it.

Evidence, all through the run store (atomic, redacted):
  actors/<stream>.json               the ActorReport (mimetic.actor.v1), rewritten as the actor works
  actors/<stream>-transcript.ndjson  one line per action (typed text redacted) plus the final message
  screenshots/<stream>-actor-NNN.png the screen after each model turn (never inline in the transcript)

How a lane ends: the model's structured verdict (passed / blocked / failed); `timed_out` when the
wall time or the step budget runs out; `blocked` for a pending safety check (never acknowledged),
a spent USD budget, a missing or rejected key or an exhausted quota; `failed` for a loop of identical
actions, a computer that stopped working, any other API error, or a reply without a verdict.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from mimetic.actors.budget import ActorBudget
from mimetic.actors.computer import Action, Computer
from mimetic.actors.instructions import Verdict, build_instructions, first_message, parse_verdict
from mimetic.actors.openai_cua import (
    ActorApiError, ResponsesActor, Turn, make_client, resolve_model, tool_environment,
)
from mimetic.actors.rates import cost_usd, rate_date, rate_for
from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.evidence import ActorReport, Finding, TokenUsage
from mimetic.contracts.manifests import Persona, Scenario
from mimetic.errors import MimeticError
from mimetic.safety.redact import compact_error, redact_text, register_secret

KEY_ENV = "OPENAI_API_KEY"
LOOP_REPEATS = 3  # this many identical actions in a row is a loop, not progress
NOT_PROGRESS = frozenset({"wait", "screenshot"})  # waiting for a slow page is not a loop; steps bound it
TAIL_CHARS = 2000
NOTE_CHARS = 300
NUDGE = ("Do not ask for confirmation. If you are finished, reply now with your summary and the fenced JSON "
         "verdict block described in your instructions; otherwise keep working toward the goal.")


def run_actor(computer: Computer, *, store: RunStore, stream_id: str, persona: Persona | None = None,
              scenario: Scenario | None = None, goal: str, budget: ActorBudget | None = None,
              model: str | None = None) -> ActorReport:
    """Let the persona pursue `goal` on `computer`; returns (and writes) the lane's ActorReport. Never raises
    for an actor outcome; only KeyboardInterrupt passes through (after the report says `interrupted`)."""
    return _Session(computer, store=store, stream_id=stream_id, persona=persona, scenario=scenario, goal=goal,
                    budget=budget, model=model).run()


class _Stop(Exception):
    """Ends the loop with a status and a reason."""

    def __init__(self, status: str, reason: str, findings: tuple[Finding, ...] = (),
                 safety_checks: list[str] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.findings = status, reason, findings
        self.safety_checks = safety_checks or []


class _Session:
    def __init__(self, computer: Computer, *, store: RunStore, stream_id: str, persona: Persona | None,
                 scenario: Scenario | None, goal: str, budget: ActorBudget | None, model: str | None):
        self.computer, self.store, self.stream_id = computer, store, stream_id
        self.persona, self.scenario, self.goal = persona, scenario, goal
        self._budget, self.model = budget, model or resolve_model()
        self.report_path = f"actors/{stream_id}.json"
        self.transcript_path = f"actors/{stream_id}-transcript.ndjson"
        self.started_at, self.started = now_iso(), time.monotonic()
        self.deadline = self.started
        self.steps = 0
        self.input_tokens = self.output_tokens = 0
        self.lines: list[dict[str, Any]] = []
        self.recent: list[Action] = []
        self.last_text = ""

    # --- outer shell: every outcome becomes a written report -------------------------------

    def run(self) -> ActorReport:
        self._write_progress()
        try:
            self.budget = self._budget or ActorBudget.resolve()
            self.deadline = self.started + self.budget.timeout_ms / 1000
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
        api_key = (os.environ.get(KEY_ENV) or "").strip()
        if not api_key:
            raise _Stop("blocked", f"{KEY_ENV} is not set, so the openai-cua actor did not start (no OpenAI call was "
                                   "made). Export it or load it with --env-file.")
        register_secret(api_key)
        run_budget = self.budget.run
        if run_budget is not None and run_budget.exhausted():
            raise _Stop("blocked", f"The run's USD budget (${run_budget.max_usd:g}, actor.maxUsdPerRun) was already "
                                   "spent before this lane's actor started.")
        if self.budget.caps_usd and rate_for(self.model) is None:
            raise _Stop("blocked", f"Model {self.model} has no rate in the rate table ({rate_date()}), so the USD "
                                   "budget cannot be enforced; the actor did not start.")
        size = tuple(self.computer.size)
        actor = ResponsesActor(make_client(api_key), model=self.model, size=size,
                               environment=tool_environment(self.computer),
                               instructions=build_instructions(self.persona, self.scenario, self.goal))
        shot = self._screenshot(0)
        turn = self._ask(lambda timeout: actor.begin(first_message(self.goal), shot, timeout))
        nudged = False
        while True:
            self._account(turn)
            if turn.text:
                self.last_text = turn.text
            if not turn.calls:
                verdict = parse_verdict(turn.text, default_where=self._where())
                if verdict is None and not nudged:
                    nudged = True
                    self._line("message", text=turn.text)
                    self._check_usd()  # the nudge is one more paid request
                    turn = self._ask(lambda timeout: actor.say(NUDGE, timeout))
                    continue
                self._line("final", text=turn.text)
                if verdict is None:
                    raise _Stop("failed", "actor gave no structured verdict")
                return verdict
            self._check_usd()
            # Any pending check stops the turn before any of its actions runs (not only the later calls').
            checks = [check for call in turn.calls for check in call.safety_checks]
            if checks:
                raise _Stop("blocked", "OpenAI raised a pending safety check, which mimetic never acknowledges "
                                       "on its own: " + "; ".join(checks), safety_checks=checks)
            outputs = []
            note = turn.reasoning or turn.text
            for call in turn.calls:
                first = len(self.lines)
                for action in call.actions:
                    self._act(action, note)
                    note = ""
                shot = self._screenshot(self.steps)
                if len(self.lines) > first:
                    self.lines[-1]["screenshot"] = self._shot_path(self.steps)
                outputs.append((call.call_id, shot))
                self._write_transcript()
            turn = self._ask(lambda timeout: actor.after(outputs, timeout))

    def _act(self, action: Action, note: str) -> None:
        if self.steps >= self.budget.max_steps:
            raise _Stop("timed_out", f"The actor used its whole step budget ({self.budget.max_steps} actions, "
                                     "actor.maxSteps) without reaching a verdict.")
        if time.monotonic() >= self.deadline:
            raise _Stop("timed_out", self._timeout_reason())
        self._guard_loop(action)
        self.steps += 1
        self._line(action.kind, args=_args(action), text=note)
        try:
            self.computer.act(action)
        except Exception as exc:
            raise _computer_failed(action.kind, exc) from None

    def _guard_loop(self, action: Action) -> None:
        if action.kind in NOT_PROGRESS:
            return
        self.recent = (self.recent + [action])[-LOOP_REPEATS:]
        if len(self.recent) == LOOP_REPEATS and all(a == action for a in self.recent):
            described = _describe(action)
            finding = Finding(observed=f"The actor repeated the same action {LOOP_REPEATS} times ({described}) "
                                       "without making progress.", where=self._where(), severity="low", owner="actor")
            raise _Stop("failed", f"Loop guard: the actor repeated the same action {LOOP_REPEATS} times in a row "
                                  f"({described}); stopped.", (finding,))

    def _ask(self, call: Callable[[float], Turn]) -> Turn:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _Stop("timed_out", self._timeout_reason())
        try:
            return call(remaining)
        except ActorApiError as exc:
            if exc.status == "timed_out" and time.monotonic() >= self.deadline - 0.05:
                raise _Stop("timed_out", self._timeout_reason()) from None
            raise _Stop(exc.status, exc.reason) from None

    def _account(self, turn: Turn) -> None:
        self.input_tokens += turn.input_tokens
        self.output_tokens += turn.output_tokens
        spent = cost_usd(self.model, turn.input_tokens, turn.output_tokens)
        if self.budget.run is not None and spent is not None:
            self.budget.run.charge(spent)
        self._write_progress()

    def _check_usd(self) -> None:
        """Before acting on a turn: a spent budget stops the lane (the final verdict of a turn is still kept)."""
        lane_cap, run = self.budget.max_usd_per_lane, self.budget.run
        spent = cost_usd(self.model, self.input_tokens, self.output_tokens)
        if lane_cap is not None and spent is not None and spent >= lane_cap:
            raise _Stop("blocked", f"The lane's USD budget is spent: ${spent:.4f} of ${lane_cap:g} "
                                   "(actor.maxUsdPerLane).")
        if run is not None and run.exhausted():
            raise _Stop("blocked", f"The run's USD budget is spent: ${run.spent:.4f} of ${run.max_usd:g} "
                                   "(actor.maxUsdPerRun).")

    def _timeout_reason(self) -> str:
        return f"The actor ran out of wall time ({self.budget.timeout_ms} ms, MIMETIC_OSS_META_ACTOR_TIMEOUT_MS or " \
               "actor.timeoutMs) before reaching a verdict."

    # --- evidence -----------------------------------------------------------------------------

    def _shot_path(self, index: int) -> str:
        return f"screenshots/{self.stream_id}-actor-{index:03d}.png"

    def _screenshot(self, index: int) -> bytes:
        try:
            png = self.computer.screenshot()
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
        line: dict[str, Any] = {"step": self.steps, "at": now_iso(), "kind": kind}
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
        cost = cost_usd(self.model, self.input_tokens, self.output_tokens)
        spent = self.input_tokens or self.output_tokens
        return ActorReport(
            id=self.stream_id, kind="openai-cua", status=status, reason=compact_error(reason, 400), model=self.model,
            started_at=self.started_at, duration_ms=int((time.monotonic() - self.started) * 1000), steps=self.steps,
            tokens=TokenUsage(input=self.input_tokens, output=self.output_tokens), cost_usd=cost,
            rate_date=rate_date() if spent and cost is not None else None,
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
