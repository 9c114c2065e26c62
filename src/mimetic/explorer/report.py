"""Run the explorer as a lane's actor: walk, write the step screenshots and `actors/<stream>.json`.

The report is an actor report (`mimetic.actor.v1`, kind `explore`): its `exploration` holds the state
graph, the actions and the findings; its `findings` restate them in the words every actor uses, so
the Observer, stats and feedback read an explorer lane like any other.
"""

from __future__ import annotations

import time
from typing import Any

from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.evidence import ActorReport, Finding
from mimetic.contracts.explorer import ExplorerFinding, ExplorerTrace
from mimetic.contracts.manifests import Persona
from mimetic.explorer.findings import EXPECTED
from mimetic.explorer.persona_style import Budget

KIND = "explore"
OWNER_SEVERITY = {"error": "high", "warning": "medium", "info": "low"}


def report_path(stream_id: str) -> str:
    return f"actors/{stream_id}.json"


def as_actor_finding(finding: ExplorerFinding) -> Finding:
    where = finding.route + (f" · {finding.control.name or finding.control.key}" if finding.control else "")
    observed = f"{finding.title}. {finding.detail}" if finding.detail else finding.title
    return Finding(observed=observed, where=where, severity=OWNER_SEVERITY[finding.severity], owner="product",
                   expected=EXPECTED[finding.kind])


def outcome(trace: ExplorerTrace) -> tuple[str, str]:
    """(status, reason): an app the walk could not open blocks; error-level findings fail the lane."""
    if trace.stopped_by == "unreachable":
        return "blocked", "The explorer could not open the app."
    errors = [f for f in trace.findings if f.severity == "error"]
    walked = f"Explored {len(trace.states)} state(s) in {len(trace.steps)} step(s) ({trace.stopped_by})"
    if errors:
        return "failed", f"{walked}; {len(errors)} error-level finding(s), first: {errors[0].title}"
    return "passed", f"{walked}; {len(trace.findings)} finding(s), none error-level."


def run_explorer(page: Any, *, store: RunStore, stream_id: str, surface: str, mobile: bool, persona: Persona | None,
                 app_url: str, seed: int, budget: Budget) -> ActorReport:
    from mimetic.explorer.walk import explore

    started_at, started = now_iso(), time.monotonic()

    def shots(name: str, data: bytes) -> str:
        relative = f"screenshots/explore/{surface}/{name}.png"
        store.write_bytes(relative, data)
        return relative

    trace = explore(page, persona, budget, seed, app_url=app_url, mobile=mobile, surface=surface, shots=shots)
    status, reason = outcome(trace)
    report = ActorReport(id=stream_id, kind=KIND, status=status, verdict="passed" if status == "passed" else status,
                         reason=reason, model=None, started_at=started_at, ended_at=now_iso(),
                         duration_ms=int((time.monotonic() - started) * 1000), steps=len(trace.steps), cost_usd=0.0,
                         findings=[as_actor_finding(f) for f in trace.findings], exploration=trace)
    store.write_json(report_path(stream_id), report.to_json())
    return report


def explorer_hook(store: RunStore, surface: Any, persona: Persona | None, app_url: str, seed: int, timeout_ms: int):
    """The browser proof's actor hook for one viewport (`surface`: browser.chromium.Surface)."""

    def hook(page: Any) -> ActorReport:
        return run_explorer(page, store=store, stream_id=surface.stream_id, surface=surface.name,
                            mobile=surface.viewport.is_mobile, persona=persona, app_url=app_url, seed=seed,
                            budget=Budget(max_ms=timeout_ms))

    return hook


def run_on_computer(computer: Any, *, store: RunStore, stream_id: str, persona: Persona | None,
                    max_ms: int) -> ActorReport:
    """A lab lane's explorer, on the Playwright page the lane's computer already has open on its app."""
    page = getattr(computer, "page", None)
    url = page.url if page is not None else ""
    if not url.startswith(("http://", "https://")):
        at = now_iso()
        reason = ("The explorer drives a Playwright page on the lane's app; this lane's screen is not one "
                  "(E2B desktops, over CDP, are not built yet)." if page is None
                  else "The lane's app URL is not known, so there is nothing to explore.")
        report = ActorReport(id=stream_id, kind=KIND, status="blocked", reason=reason, started_at=at, ended_at=at,
                             cost_usd=0.0)
        store.write_json(report_path(stream_id), report.to_json())
        return report
    return run_explorer(page, store=store, stream_id=stream_id, surface="desktop", mobile=False, persona=persona,
                        app_url=url, seed=0, budget=Budget(max_ms=max_ms))
