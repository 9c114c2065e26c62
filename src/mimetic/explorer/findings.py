"""Findings and the detectors that make them, shared by the walk (which finds) and the replay (which checks).

A finding's id is built from what it is (kind, page path, control or rule), never from the lane that
saw it, so the same defect seen by several personas dedupes to one feedback candidate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from mimetic.contracts.explorer import ExplorerAction, ExplorerControl, ExplorerFinding, ExplorerStyle, SEVERITY_RANK
from mimetic.explorer.driver import Driver, Mark

MIN_TAP_PX = 24  # WCAG 2.2 target size (minimum)
MAX_SMALL_TARGETS = 10  # per state; more is one problem, not many
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
# Target size is a touch problem: the mobile lane measures it itself (small_tap_target), not axe on every lane.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": list(AXE_TAGS)}, "rules": {"target-size": {"enabled": False}},
               "resultTypes": ["violations"]}
AXE_SEVERITY = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "info"}
# What a person expects instead of each kind of finding (feedback drafts and the actor report say it).
EXPECTED = {
    "page_error": "The page runs without uncaught JavaScript errors.",
    "console_error": "The page logs no errors to the console.",
    "http_error": "The app answers its own requests without HTTP errors.",
    "request_failed": "The app's own requests complete.",
    "dead_control": "An enabled control does something when it is used (or is disabled).",
    "keyboard_unreachable": "Every control can be reached with Tab (WCAG 2.1.1 Keyboard).",
    "axe_violation": "The page passes axe-core's WCAG 2.x A/AA rules.",
    "horizontal_overflow": "The page fits the phone's width without sideways scrolling (WCAG 1.4.10 Reflow).",
    "small_tap_target": "Touch targets are at least 24 by 24 px (WCAG 2.5.8 Target Size).",
    "required_empty_accepted": "Submitting a form with required fields empty tells the person what is missing.",
    "slow_response": "The page settles within the persona's patience.",
}
ACTIVATING = frozenset({"activate", "submit"})  # intents after which "nothing changed" means a dead control


def page_of(route: str) -> str:
    """The page a route belongs to (hash and query dropped): one defect, however the app got there."""
    return urlsplit(route).path or "/"


def make(kind: str, severity: str, title: str, *, route: str, key: str, path: list[ExplorerAction],
         shot: str | None, detail: str = "", control: dict | None = None, rule: str | None = None) -> ExplorerFinding:
    digest = hashlib.sha256(f"{kind}|{page_of(route)}|{key}".encode()).hexdigest()[:12]
    return ExplorerFinding(id=f"{kind.replace('_', '-')}-{digest}", kind=kind, severity=severity, title=title,
                           detail=detail, route=route, control=as_control(control), rule=rule, path=list(path),
                           screenshot_path=shot)


def as_control(control: dict | None) -> ExplorerControl | None:
    if not control:
        return None
    return ExplorerControl(key=control["key"], role=control.get("role") or "control", name=control.get("name") or "")


def describe(control: dict | ExplorerControl) -> str:
    data = control if isinstance(control, dict) else control.model_dump()
    name = data.get("name") or ""
    return f'{data.get("role") or "control"} "{name}"' if name else f'{data.get("role") or "control"} at {data["key"]}'


def ordered(findings: list[ExplorerFinding]) -> list[ExplorerFinding]:
    """One finding per id (the first seen), errors first, then in the order the walk met them."""
    unique: dict[str, ExplorerFinding] = {}
    for item in findings:
        unique.setdefault(item.id, item)
    return sorted(unique.values(), key=lambda f: SEVERITY_RANK[f.severity])


# --- what one activation did ------------------------------------------------------------------------


@dataclass
class Observation:
    settled: bool
    left_origin: bool
    changed: bool
    feedback: bool
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    http_errors: list[tuple[str, str, int]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)


def observe(driver: Driver, action: ExplorerAction, patience_ms: int, *, feedback_of: str | None = None) -> Observation:
    """Perform `action` and watch what it does; raises playwright's Error if the control cannot be used."""
    before_url, before_digest, mark = driver.page.url, driver.digest(), driver.mark()
    driver.perform(action)
    settled = driver.settle(patience_ms)
    return _observation(driver, mark, before_url, before_digest, settled, feedback_of)


def _observation(driver: Driver, mark: Mark, before_url: str, before_digest: str, settled: bool,
                 feedback_of: str | None) -> Observation:
    e = driver.events
    left = not driver.on_app()
    same = (not left and driver.page.url == before_url and len(e.requests) == mark.requests
            and e.dialogs == mark.dialogs and e.popups == mark.popups and driver.digest() == before_digest)
    feedback = bool(feedback_of) and not left and bool(driver.call("feedback", feedback_of))
    return Observation(settled=settled, left_origin=left, changed=not same, feedback=feedback,
                       page_errors=e.page_errors[mark.page_errors:], console_errors=e.console_errors[mark.console_errors:],
                       http_errors=e.http_errors[mark.http_errors:], failed=e.failed[mark.failed:])


def event_findings(obs: Observation, *, route: str, path: list[ExplorerAction], shot: str | None) -> list[ExplorerFinding]:
    found = []
    for text in obs.page_errors:
        found.append(make("page_error", "error", f"Uncaught error: {text}", route=route, key=text, path=path, shot=shot))
    for text in obs.console_errors:
        found.append(make("console_error", "warning", f"Console error: {text}", route=route, key=text, path=path, shot=shot))
    for method, where, status in obs.http_errors:
        severity = "error" if status >= 500 else "warning"
        found.append(make("http_error", severity, f"{method} {where} answered HTTP {status}", route=route,
                          key=f"{method} {page_of(where)} {status}", path=path, shot=shot))
    for method, where, failure in obs.failed:
        found.append(make("request_failed", "error", f"{method} {where} failed: {failure}", route=route,
                          key=f"{method} {page_of(where)}", path=path, shot=shot))
    return found


def activation_findings(obs: Observation, control: dict, intent: str, style: ExplorerStyle, *, route: str,
                        path: list[ExplorerAction], shot: str | None, required: bool = False) -> list[ExplorerFinding]:
    """What one activation revealed; `required`: the submitted form has required fields (left empty on purpose)."""
    found = event_findings(obs, route=route, path=path, shot=shot)
    what = describe(control)
    if not obs.settled:
        found.append(make("slow_response", "warning", f"The page did not settle within {style.patience_ms} ms after "
                          f"using {what}", route=route, key=control["key"], path=path, shot=shot, control=control,
                          detail="The persona gave up waiting." if style.impatient else ""))
    elif intent in ACTIVATING and not obs.changed and control.get("role") not in ("textbox", "combobox"):
        found.append(make("dead_control", "error", f"Dead control: {what} does nothing", route=route, key=control["key"],
                          path=path, shot=shot, control=control,
                          detail="It is enabled, but activating it changed nothing: no DOM or URL change, no request, "
                                 "no dialog."))
    if intent == "submit-empty" and required and obs.settled and not obs.feedback:
        found.append(make("required_empty_accepted", "warning", f"Submitting with required fields empty gave no feedback "
                          f"({what})", route=route, key=control["key"], path=path, shot=shot, control=control,
                          detail="No validation message, alert or invalid field appeared."))
    return found


# --- what a state shows --------------------------------------------------------------------------------


@cache
def axe_engine() -> Any:
    from axe_playwright_python.sync_playwright import Axe  # ships axe-core's own axe.min.js; no CDN

    return Axe()


def axe_version() -> str | None:
    import re

    match = re.search(r"axe v([0-9.]+)", axe_engine().axe_script[:200])
    return match.group(1) if match else None


def axe_findings(driver: Driver, *, route: str, path: list[ExplorerAction], shot: str | None) -> list[ExplorerFinding]:
    from playwright.sync_api import Error as PlaywrightError

    try:
        results = axe_engine().run(driver.page, options=AXE_OPTIONS)
    except PlaywrightError:
        return []  # a page that navigated away mid-run; the next state gets its own run
    found = []
    for violation in results.response.get("violations", []):
        targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])][:5]
        impact = violation.get("impact") or "minor"
        found.append(make("axe_violation", AXE_SEVERITY.get(impact, "info"),
                          f"Accessibility ({violation['id']}, {impact}): {violation.get('help', '')}", route=route,
                          key=violation["id"], path=path, shot=shot, rule=violation["id"],
                          detail=f"{len(violation.get('nodes', []))} element(s), e.g. " + "; ".join(targets)))
    return found


def mobile_findings(driver: Driver, controls: list[dict], *, route: str, path: list[ExplorerAction],
                    shot: str | None) -> list[ExplorerFinding]:
    found = []
    overflow = int(driver.call("overflow"))
    if overflow > 1:
        found.append(make("horizontal_overflow", "warning", "The page scrolls sideways on a phone", route=route, key="page",
                          path=path, shot=shot, detail="Content is wider than the mobile viewport."))
    small = [c for c in controls if not c.get("inText") and min(c["width"], c["height"]) < MIN_TAP_PX]
    for control in small[:MAX_SMALL_TARGETS]:
        found.append(make("small_tap_target", "warning", f"Tap target under {MIN_TAP_PX} px: {describe(control)}",
                          route=route, key=control["key"], path=path, shot=shot, control=control,
                          detail=f"{control['width']}x{control['height']} px on the mobile viewport."))
    return found


def keyboard_reach(driver: Driver, controls: list[dict]) -> set[str]:
    """The controls Tab reaches from where focus is (Tab only; Enter/Space/Escape never move focus here)."""
    focused: set[str] = set()
    for _ in range(len(controls) + 5):
        driver.page.keyboard.press("Tab")
        key = driver.call("focusKey")
        if key:
            focused.add(key)
    return focused


def keyboard_findings(driver: Driver, controls: list[dict], *, route: str, path: list[ExplorerAction],
                      shot: str | None) -> list[ExplorerFinding]:
    focused = keyboard_reach(driver, controls)
    found = []
    for control in controls:
        key = control["key"]
        # A radio group is one Tab stop (arrows move inside it); a focused descendant counts as reaching it.
        if control.get("role") == "radio" or key in focused or any(f.startswith(key + " > ") for f in focused):
            continue
        found.append(make("keyboard_unreachable", "error", f"Only a pointer can reach {describe(control)}", route=route,
                          key=key, path=path, shot=shot, control=control,
                          detail="Tab never focuses it, so keyboard and switch users cannot use it."))
    return found


def state_findings(driver: Driver, style: ExplorerStyle, controls: list[dict], *, route: str,
                   path: list[ExplorerAction], shot: str | None) -> list[ExplorerFinding]:
    found = axe_findings(driver, route=route, path=path, shot=shot)
    if style.input == "touch":
        found += mobile_findings(driver, controls, route=route, path=path, shot=shot)
    if style.input == "keyboard":
        found += keyboard_findings(driver, controls, route=route, path=path, shot=shot)
    return found
