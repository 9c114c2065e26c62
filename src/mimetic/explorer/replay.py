"""Re-execute each finding's recorded action path against the app and say whether it still reproduces.

Each finding gets a fresh browser context (its path starts from a fresh page), the same driver and the
same detector that found it; it reproduces when that detector reports a finding with the same id.
"""

from __future__ import annotations

import json
from typing import Any

from mimetic.bundle.store import RunStore, contained
from mimetic.contracts.evidence import ActorReport
from mimetic.contracts.explorer import ExplorerFinding, ExplorerTrace, ReplayedFinding, ReplayResult
from mimetic.errors import MimeticError
from mimetic.explorer import findings as detect
from mimetic.explorer.driver import Driver
from mimetic.explorer.report import report_path

STATE_KINDS = frozenset({"axe_violation", "horizontal_overflow", "small_tap_target", "keyboard_unreachable"})


def load_exploration(store: RunStore, lane: str) -> ExplorerTrace:
    relative = report_path(lane)
    try:
        raw = contained(store.dir, relative).read_text(encoding="utf-8")
        report = ActorReport.model_validate(json.loads(raw))
    except (OSError, ValueError) as exc:
        raise MimeticError("MIMETIC_REPLAY_NO_EXPLORATION",
                           f"Run {store.run_id} has no readable {relative} ({type(exc).__name__}); "
                           "replay needs a lane the explorer walked (--actor explore).") from None
    if report.exploration is None:
        raise MimeticError("MIMETIC_REPLAY_NO_EXPLORATION",
                           f"{relative} of run {store.run_id} is a {report.kind} actor report, not an exploration; "
                           "replay needs a lane the explorer walked (--actor explore).")
    return report.exploration


def replay_finding(page: Any, app_url: str, trace: ExplorerTrace, finding: ExplorerFinding) -> ReplayedFinding:
    from playwright.sync_api import Error as PlaywrightError

    driver, style = Driver(page, app_url), trace.style
    state_kind = finding.kind in STATE_KINDS
    prelude = finding.path if state_kind else finding.path[:-1]
    try:
        for action in prelude:
            driver.perform(action)
            driver.settle(style.patience_ms)
        route = driver.route
        if state_kind:
            found = detect.state_findings(driver, style, driver.call("controls"), route=route, path=finding.path, shot=None)
        else:
            control = finding.control.model_dump() if finding.control else {"key": "page", "role": "page"}
            intent = "submit-empty" if finding.kind == "required_empty_accepted" else "activate"
            obs = detect.observe(driver, finding.path[-1], style.patience_ms,
                                 feedback_of=control["key"] if intent == "submit-empty" else None)
            found = detect.activation_findings(obs, control, intent, style, route=route, path=finding.path, shot=None,
                                               required=True)
    except PlaywrightError as exc:  # the path no longer fits the app (a control is gone): the finding is gone
        return _replayed(finding, False, f"The recorded path no longer applies: {str(exc).splitlines()[0][:200]}")
    reproduced = any(item.id == finding.id for item in found)
    return _replayed(finding, reproduced, "Reproduced." if reproduced else "The same path no longer shows it.")


def _replayed(finding: ExplorerFinding, reproduced: bool, detail: str) -> ReplayedFinding:
    return ReplayedFinding(id=finding.id, kind=finding.kind, severity=finding.severity, title=finding.title,
                           reproduced=reproduced, detail=detail)


def replay_lane(store: RunStore, lane: str, app_url: str, chromium: str) -> ReplayResult:
    from mimetic.browser.chromium import SURFACES, close_quietly, launch_chromium

    trace = load_exploration(store, lane)
    surface = next(s for s in SURFACES if s.name == trace.surface) if trace.surface in {s.name for s in SURFACES} \
        else SURFACES[0]
    replayed = []
    with launch_chromium(chromium) as launched:
        for finding in trace.findings:
            context = launched.new_context(surface)
            try:
                replayed.append(replay_finding(context.new_page(), app_url, trace, finding))
            finally:
                close_quietly(context.close)
    reproduced = sum(item.reproduced for item in replayed)
    return ReplayResult(ok=reproduced == 0, run_id=store.run_id, lane=lane, app_url=app_url, findings=replayed,
                        reproduced=reproduced, gone=len(replayed) - reproduced)


def replay_target(project: Any, store: RunStore, lane: str, app_url: str | None) -> tuple[str, str]:
    """(app URL, Chromium) for a replay: the URL given, else the one the run used; checked like `run --app-url`."""
    from mimetic.browser.chromium import find_chromium
    from mimetic.browser.proof import allowed_hosts
    from mimetic.safety.urls import validate_app_url

    load_exploration(store, lane)  # fail on a lane without an exploration before anything else
    if app_url is None:
        stream = next((s for s in store.load_bundle().streams if s.id == lane), None)
        app_url = stream.ui.app_url if stream is not None and stream.ui is not None else None
        if not app_url:
            raise MimeticError("MIMETIC_REPLAY_NO_APP_URL", f"Run {store.run_id} records no app URL for lane {lane}; "
                                                            "pass --app-url.")
    return validate_app_url(app_url, allowed_hosts(project)), find_chromium()
