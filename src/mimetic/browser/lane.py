"""One viewport of a browser proof: a fresh context, the steps in order, a screenshot per step, a trace.

A failed step skips the rest of its scenario (the next committed scenario still runs: each one is
its own journey); an unreachable app or a spent time budget stops the whole viewport. Skipped steps
say why. Console errors and failed requests are recorded, redacted and bounded. Everything written
is run-relative, through the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from mimetic.browser.chromium import LaunchedBrowser, Surface, close_quietly
from mimetic.browser.load import LoadTimeout
from mimetic.browser.steps import AppUnreachable, ProofStep, StepContext, playwright_reason
from mimetic.bundle.compose import EventLog
from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.evidence import ActorReport, Assertion, BrowserTrace, TraceStep
from mimetic.safety.redact import compact_error

LaneStatus = Literal["passed", "failed", "blocked", "timed_out", "interrupted"]
# An element action (click, fill, ...) waits this long for its target, or less when the budget has less left.
# Page loads are not bound by it: a navigation may use all that is left of the viewport's budget.
ACTION_WAIT_MS = 15_000
MAX_RECORDED = 50  # console errors / failed requests kept per viewport
ActorHook = Callable[[Any], ActorReport]  # (page) -> report; runs after the scripted steps


def settle_ms_for(timeout_ms: int) -> int:
    """How long an expectation may take to come true: a tenth of the budget, between 0.5 and 5 s."""
    return max(500, min(5000, timeout_ms // 10))


@dataclass
class LaneResult:
    surface: Surface
    status: LaneStatus
    reason: str
    trace: BrowserTrace
    trace_path: str
    screenshot_path: str | None
    started_at: str
    ended_at: str
    actor_report: ActorReport | None = None

    @property
    def passed_steps(self) -> int:
        return sum(step.status == "passed" for step in self.trace.steps)


class PageRecorder:
    """Console errors, uncaught page errors and failed requests of one page, redacted and bounded."""

    def __init__(self, page: Any):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []  # uncaught exceptions only (also in console_errors, with "Uncaught")
        self.failed_requests: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self._keep(self.console_errors, msg.text))
        page.on("pageerror", self._page_error)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    @staticmethod
    def _keep(bucket: list[str], text: str) -> None:
        if len(bucket) < MAX_RECORDED:
            bucket.append(compact_error(text))

    def _page_error(self, error: Any) -> None:
        text = f"{error.name}: {error.message}" if error.name else str(error.message)
        self._keep(self.page_errors, text)
        self._keep(self.console_errors, f"Uncaught {text}")

    def mark(self) -> tuple[int, int]:
        return len(self.console_errors), len(self.page_errors)

    def since(self, mark: tuple[int, int]) -> tuple[list[str], list[str]]:
        """(console errors, page errors) recorded after `mark`: what the page said during one step."""
        return self.console_errors[mark[0]:], self.page_errors[mark[1]:]

    def _request_failed(self, request: Any) -> None:
        failure = request.failure or "failed"
        if "ERR_ABORTED" not in failure:  # navigations cancel in-flight requests; that is not the app failing
            self._keep(self.failed_requests, f"{request.method} {request.url}: {failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self._keep(self.failed_requests, f"{response.request.method} {response.url} -> HTTP {response.status}")


def _screenshot(page: Any, store: RunStore, relative: str) -> str | None:
    from playwright.sync_api import Error as PlaywrightError

    try:
        data = page.screenshot(timeout=5000)
    except PlaywrightError:
        return None
    store.write_bytes(relative, data)
    return relative


def _run_step(step: ProofStep, ctx: StepContext, store: RunStore, surface: Surface,
              recorder: PageRecorder) -> tuple[TraceStep, bool]:
    """The step's trace and whether it ran out of the viewport's budget (a load that never settled)."""
    from playwright.sync_api import Error as PlaywrightError

    started, mark = time.monotonic(), recorder.mark()
    assertions: list[Assertion] = []
    timed_out = False
    try:
        assertions = step.perform(ctx)
        failed = any(a.status == "failed" for a in assertions)
        status, reason = ("failed", _failure_reason(step, assertions)) if failed else ("passed", "")
    except LoadTimeout as exc:
        status, reason, timed_out = "blocked", compact_error(str(exc), 400), True
    except AppUnreachable as exc:
        status, reason = "blocked", compact_error(exc.reason, 400)
    except PlaywrightError as exc:  # the page or browser itself broke (crash, closed target)
        status, reason = "blocked", f"The browser failed during step {step.id}: {playwright_reason(exc)}"
    # The screenshot round-trip also lets page errors thrown by the step's last handlers arrive.
    shot = _screenshot(ctx.page, store, f"screenshots/{surface.name}-{step.id}.png")
    console_errors, page_errors = recorder.since(mark)
    if status == "failed" and page_errors:
        reason = compact_error(f"{reason.rstrip('.')}. The page threw during this step: {page_errors[0]}", 600)
    return TraceStep(id=step.id, label=step.label, action=step.action, status=status, reason=reason,
                     url=ctx.page.url, duration_ms=int((time.monotonic() - started) * 1000), completed_at=now_iso(),
                     screenshot_path=shot, assertions=assertions, page_errors=page_errors,
                     console_errors=console_errors), timed_out


def _failure_reason(step: ProofStep, assertions: list[Assertion]) -> str:
    failed = next(a for a in assertions if a.status == "failed")
    return compact_error(f"Step {step.id} ({step.label}) failed: expected {failed.expected}; actual {failed.actual}", 600)


def _lane_reason(steps: list[TraceStep]) -> str:
    failed = [step for step in steps if step.status == "failed"]
    more = f" (and {len(failed) - 1} more failed step(s))" if len(failed) > 1 else ""
    return failed[0].reason + more if failed else f"All {len(steps)} step(s) passed."


def _apply_actor(status: LaneStatus, reason: str, report: ActorReport) -> tuple[LaneStatus, str]:
    """The lane passes only if the actor passed too; otherwise the actor's outcome names why."""
    if report.status == "passed" or status != "passed":
        return status, reason
    lane_status: LaneStatus = {"failed": "failed", "timed_out": "timed_out"}.get(report.status, "blocked")
    return lane_status, compact_error(f"Actor {report.status}: {report.reason or 'no reason given'}", 400)


def run_lane(launched: LaunchedBrowser, surface: Surface, steps: list[ProofStep], *, app_url: str, scenario_id: str,
             store: RunStore, log: EventLog, timeout_ms: int, actor: ActorHook | None = None) -> LaneResult:
    started_at, started = now_iso(), time.monotonic()
    deadline = started + timeout_ms / 1000
    sim, stream = surface.sim_id, surface.stream_id
    context = launched.new_context(surface)
    try:
        page = context.new_page()
        recorder = PageRecorder(page)
        ctx = StepContext(page=page, action_timeout_ms=ACTION_WAIT_MS, settle_ms=settle_ms_for(timeout_ms),
                          budget_ms=timeout_ms)
        halted: LaneStatus | None = None  # blocked or timed_out: nothing more runs in this viewport
        halt_reason, skip_reason = "", ""
        failed_journey, failed_step = None, ""
        trace_steps: list[TraceStep] = []
        for step in steps:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if halted is None and remaining_ms <= 0:
                halted, halt_reason = "timed_out", f"The {timeout_ms} ms budget for this viewport ran out before step {step.id}."
                skip_reason = "Skipped: the viewport's time budget ran out."
            if halted or step.journey == failed_journey:
                trace_steps.append(TraceStep(id=step.id, label=step.label, action=step.action, status="skipped",
                                             reason=skip_reason if halted else f"Skipped: step {failed_step} failed."))
                continue
            ctx.action_timeout_ms, ctx.load_timeout_ms = min(ACTION_WAIT_MS, remaining_ms), remaining_ms
            trace_step, timed_out = _run_step(step, ctx, store, surface, recorder)
            trace_steps.append(trace_step)
            level = {"passed": "info", "failed": "error", "blocked": "warn"}[trace_step.status]
            log.add(f"browser-app.step.{trace_step.status}", f"{surface.name} step {step.id}: {trace_step.status}"
                    + (f" - {trace_step.reason}" if trace_step.reason else ""), level=level, sim_id=sim, stream_id=stream)
            if trace_step.status == "failed":
                failed_journey, failed_step = step.journey, step.id
            elif timed_out:
                halted, halt_reason = "timed_out", trace_step.reason
                skip_reason = f"Skipped: the viewport's {timeout_ms} ms budget ran out at step {step.id}."
            elif trace_step.status == "blocked":
                halted, halt_reason = "blocked", trace_step.reason
                skip_reason = f"Skipped: the app could not be reached at step {step.id}."
        # A defect found outranks a later stop: the lane failed, and its reason says what stopped it too.
        status: LaneStatus = "failed" if failed_step else halted or "passed"
        reason = " ".join(filter(None, (_lane_reason(trace_steps), halt_reason))) if failed_step \
            else halt_reason or _lane_reason(trace_steps)

        report = None
        if actor is not None and status in {"passed", "failed"}:  # an unreachable app leaves nothing to use
            report = actor(page)
            status, reason = _apply_actor(status, reason, report)
            log.add(f"browser-app.actor.{report.status}", f"{surface.name} actor {report.status}"
                    + (f" - {compact_error(report.reason)}" if report.reason else ""),
                    level="info" if report.status == "passed" else "warn", sim_id=sim, stream_id=stream)

        screenshot = _screenshot(page, store, f"screenshots/{surface.name}.png")
        log.add("browser-app.screenshot.captured" if screenshot else "browser-app.screenshot.blocked",
                f"{surface.name} screenshot {'captured' if screenshot else 'could not be captured'}.",
                level="info" if screenshot else "warn", sim_id=sim, stream_id=stream)
        if recorder.console_errors or recorder.failed_requests:
            log.add("browser-app.page.errors", f"{surface.name}: {len(recorder.console_errors)} console error(s), "
                    f"{len(recorder.failed_requests)} failed request(s).", level="warn", sim_id=sim, stream_id=stream)
    finally:
        close_quietly(context.close)

    trace = BrowserTrace(
        captured_at=now_iso(), app_url=app_url, surface=surface.name, viewport=surface.viewport, browser=launched.label,
        duration_ms=int((time.monotonic() - started) * 1000), http_status=ctx.http_status, ok=status == "passed",
        # The trace vocabulary has no timed_out; a viewport that ran out of time is blocked, and says why.
        status="blocked" if status == "timed_out" else status, reason=reason, scenario_id=scenario_id,
        steps=trace_steps, console_errors=recorder.console_errors, failed_requests=recorder.failed_requests,
        screenshot_path=screenshot)
    store.write_json(surface.trace_path, trace.to_json())
    log.add(f"browser-app.lane.{status}", f"{surface.name}: {reason}", level="info" if status == "passed" else "warn",
            sim_id=sim, stream_id=stream)
    return LaneResult(surface=surface, status=status, reason=reason, trace=trace, trace_path=surface.trace_path,
                      screenshot_path=screenshot, started_at=started_at, ended_at=now_iso(), actor_report=report)
