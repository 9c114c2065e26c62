"""Scenario steps on a Playwright page: do the action, then check its expectations.

A step either passes, fails (an assertion records what was expected and what the page actually
showed), or raises `AppUnreachable` when the app cannot be reached at all (connection refused, a
load timeout, or HTTP >= 500) — which makes the viewport `blocked`, not `failed`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urljoin

from mimetic.contracts.evidence import Assertion
from mimetic.contracts.manifests import BrowserExpectation, BrowserStep, Scenario
from mimetic.safety.redact import compact_error

SNIPPET_CHARS = 160
USABLE = " can be used for "  # the expectation of an action's target: "<selector> can be used for click"
POLL_MS = 100

# Everything a page shows or holds in its form fields; if none of it moved, the action did nothing.
_FINGERPRINT_JS = """() => [
  location.href,
  document.body ? document.body.innerText : "",
  Array.from(document.querySelectorAll("input, textarea, select"))
    .map((e) => (e.type === "checkbox" || e.type === "radio") ? String(e.checked) : e.value).join("\\u0001"),
].join("\\u0002")"""


class AppUnreachable(Exception):
    """The app did not answer usefully (connection refused, load timeout, HTTP >= 500)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class StepContext:
    """The page a viewport drives and its time budget; `http_status` is the first document response seen."""

    page: Any  # playwright.sync_api.Page
    action_timeout_ms: int  # how long an element action (click, fill, ...) may wait for its target
    settle_ms: int  # how long an expectation may take to become true after its action
    http_status: int | None = None
    load_timeout_ms: int = 0  # what is left of the viewport's budget for a page load (0: action_timeout_ms)
    budget_ms: int = 0  # the viewport's whole budget, named when a load runs out of it


@dataclass(frozen=True)
class ProofStep:
    """One step of a viewport's run; `id` is unique within the run (it names the step's screenshot).

    `journey` is the scenario the step belongs to: a failed step skips the rest of its journey only.
    """

    id: str
    label: str
    action: str
    perform: Callable[[StepContext], list[Assertion]]
    journey: str = ""


def snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def playwright_reason(exc: Exception) -> str:
    """First line of a Playwright error plus its last call-log line (what it was waiting for)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    head = lines[0].split(": ", 1)[-1] if lines[0].startswith(("Locator.", "Page.", "Frame.")) else lines[0]
    log = [line.lstrip("- ") for line in lines[1:] if line != "Call log:"]
    return compact_error(f"{head} ({log[-1]})" if log else head, SNIPPET_CHARS)


# What stands in the way of using an element, in the words a person would use. Playwright's timeout
# only says it kept retrying; this looks at the element once and names what it found.
_OBSTACLE_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const w = window.innerWidth, h = window.innerHeight;
  const at = `x=${Math.round(r.left)},y=${Math.round(r.top)} (${Math.round(r.width)}x${Math.round(r.height)} px)`;
  const style = getComputedStyle(el);
  if (el.disabled || el.getAttribute("aria-disabled") === "true") return `disabled at ${at}`;
  if (style.display === "none" || style.visibility === "hidden" || r.width === 0 || r.height === 0)
    return `not visible (display ${style.display}, visibility ${style.visibility}, size ${Math.round(r.width)}x${Math.round(r.height)} px)`;
  if (r.right <= 0 || r.bottom <= 0 || r.left >= w || r.top >= h)
    return `outside the viewport at ${at}; the viewport is ${w}x${h} px`;
  const cx = Math.min(Math.max(r.left + r.width / 2, 0), w - 1), cy = Math.min(Math.max(r.top + r.height / 2, 0), h - 1);
  const top = document.elementFromPoint(cx, cy);
  if (top && top !== el && !el.contains(top)) {
    const name = top.tagName.toLowerCase() + (top.id ? "#" + top.id : "") +
      (typeof top.className === "string" && top.className.trim() ? "." + top.className.trim().split(/\\s+/).join(".") : "");
    return `covered by another element (${name}) at ${at}`;
  }
  return "";
}"""


def obstacle(page: Any, selector: str) -> str:
    """Why `selector` could not be used, as found on the page now: not attached, outside the viewport,
    covered, disabled, not visible; "" when nothing is in the way (or the page cannot say)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        matches = page.locator(selector)
        if matches.count() == 0:
            return f"no element matching {selector} is attached to the page"
        return matches.first.evaluate(_OBSTACLE_JS, timeout=1000)
    except PlaywrightError:
        return ""


def wait_until(ctx: StepContext, probe: Callable[[], tuple[bool, str]], timeout_ms: int) -> tuple[bool, str]:
    """Poll `probe` (ok, actual) until it passes or `timeout_ms` runs out; returns the last answer.

    A probe Playwright rejects (a malformed selector) fails at once with Playwright's reason as the actual;
    a probe that timed out (a page too busy to answer) is asked again until the deadline.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            ok, actual = probe()
        except PlaywrightTimeout as exc:
            ok, actual = False, playwright_reason(exc)
        except PlaywrightError as exc:
            return False, playwright_reason(exc)
        if ok or time.monotonic() >= deadline:
            return ok, actual
        ctx.page.wait_for_timeout(POLL_MS)


def _assertion(kind: str, expected: str, ok: bool, actual: str) -> Assertion:
    return Assertion(kind=kind, expected=expected, actual=actual, status="passed" if ok else "failed")


def _scope_text(page: Any, selector: str | None) -> tuple[str | None, str]:
    """(text, where): the visible text of `selector`'s matches (or the whole page); text None when nothing matches."""
    if not selector:
        return page.locator("body").inner_text(timeout=1000), "the page"
    texts = page.locator(selector).all_inner_texts()
    return (" | ".join(texts) if texts else None), selector


def check_text(ctx: StepContext, text: str, selector: str | None, timeout_ms: int) -> Assertion:
    where = selector or "the page"

    def probe() -> tuple[bool, str]:
        found, _ = _scope_text(ctx.page, selector)
        if found is None:
            return False, f"no element matches {selector}"
        if " ".join(text.split()) in " ".join(found.split()):
            return True, f"found in {where}"
        return False, f'{where} shows "{snippet(found)}"' if found.strip() else f"{where} shows no text"

    ok, actual = wait_until(ctx, probe, timeout_ms)
    return _assertion("text", f'"{text}" in {where}', ok, actual)


def check_selector_visible(ctx: StepContext, selector: str, timeout_ms: int) -> Assertion:
    def probe() -> tuple[bool, str]:
        matches = ctx.page.locator(selector)
        if matches.count() == 0:
            return False, f"no element matches {selector}"
        return (True, "visible") if matches.first.is_visible() else (False, "present but not visible")

    ok, actual = wait_until(ctx, probe, timeout_ms)
    return _assertion("selectorVisible", f"{selector} visible", ok, actual)


def check_url_includes(ctx: StepContext, part: str, timeout_ms: int) -> Assertion:
    ok, actual = wait_until(ctx, lambda: (part in ctx.page.url, ctx.page.url), timeout_ms)
    return _assertion("urlIncludes", f'URL includes "{part}"', ok, actual)


def fingerprint(page: Any) -> str:
    return page.evaluate(_FINGERPRINT_JS)


def check_state_changed(ctx: StepContext, before: str, wanted: bool, timeout_ms: int) -> Assertion:
    def probe() -> tuple[bool, str]:
        changed = fingerprint(ctx.page) != before
        return changed == wanted, ("the page changed" if changed
                                   else "URL, visible text and form values are unchanged")

    # Waiting only makes sense for a change; "unchanged" is judged at once.
    ok, actual = wait_until(ctx, probe, timeout_ms if wanted else 0)
    expected = "the page's state changes" if wanted else "the page's state stays the same"
    return _assertion("stateChanged", expected, ok, actual)


def goto(ctx: StepContext, url: str) -> list[Assertion]:
    from playwright.sync_api import Error as PlaywrightError

    from mimetic.browser.load import LoadTimeout, load

    timeout_ms = ctx.load_timeout_ms or ctx.action_timeout_ms
    try:
        response = load(ctx.page, url, timeout_ms=timeout_ms, budget_ms=ctx.budget_ms or timeout_ms)
    except LoadTimeout:
        raise  # the viewport ran out of its budget: timed out, not unreachable
    except PlaywrightError as exc:
        if "ERR_CONNECTION_REFUSED" in str(exc):
            raise AppUnreachable(f"Could not connect to {url}: connection refused (is the app running?).") from None
        raise AppUnreachable(f"Could not open {url}: {playwright_reason(exc)}") from None
    if response is None:  # same-document navigation (a #hash): nothing new was fetched
        return []
    status = response.status
    if ctx.http_status is None:
        ctx.http_status = status
    if status >= 500:
        raise AppUnreachable(f"{url} answered HTTP {status}; the app is up but failing.")
    return [_assertion("http", "HTTP status < 500", True, str(status))]


def perform_action(ctx: StepContext, step: BrowserStep, start_url: str) -> list[Assertion]:
    """Do a page action (goto, fill, press, click, check, selectOption); Playwright's error when the target
    cannot be used passes through (studies' scripted actor runs the same actions as a participant)."""
    if step.action == "goto":
        return goto(ctx, urljoin(start_url, step.path) if step.path else start_url)
    target = ctx.page.locator(step.selector).first
    timeout = ctx.action_timeout_ms
    if step.action == "fill":
        target.fill(step.value, timeout=timeout)
    elif step.action == "press":
        target.press(step.key or step.value, timeout=timeout)
    elif step.action == "click":
        target.click(timeout=timeout)
    elif step.action == "check":
        target.check(timeout=timeout)
    elif step.action == "selectOption":
        target.select_option(step.value, timeout=timeout)
    return []


def _act(ctx: StepContext, step: BrowserStep, start_url: str) -> list[Assertion]:
    """Do the step's action; an action that cannot find or use its target becomes a failed assertion."""
    from playwright.sync_api import Error as PlaywrightError

    if step.action in {"assertText", "waitForText"}:
        text = step.value if step.value is not None else step.expect.text  # the model guarantees one of them
        wait_ms = ctx.action_timeout_ms if step.action == "waitForText" else ctx.settle_ms
        return [check_text(ctx, text, step.selector, wait_ms)]
    if step.action == "waitForSelector":
        return [check_selector_visible(ctx, step.selector, ctx.action_timeout_ms)]
    try:
        return perform_action(ctx, step, start_url)
    except PlaywrightError as exc:
        found = obstacle(ctx.page, step.selector)
        actual = f"{found} ({playwright_reason(exc)})" if found else playwright_reason(exc)
        return [_assertion("selectorVisible", f"{step.selector}{USABLE}{step.action}", False,
                           compact_error(actual, 2 * SNIPPET_CHARS))]


def _expectations(ctx: StepContext, step: BrowserStep, expect: BrowserExpectation, before: str | None) -> list[Assertion]:
    results = []
    own_text = step.action in {"assertText", "waitForText"} and step.value is None
    if expect.text is not None and not own_text:
        results.append(check_text(ctx, expect.text, None, ctx.settle_ms))
    if expect.selector_visible:
        results.append(check_selector_visible(ctx, expect.selector_visible, ctx.settle_ms))
    if expect.url_includes:
        results.append(check_url_includes(ctx, expect.url_includes, ctx.settle_ms))
    if expect.state_changed is not None and before is not None:
        results.append(check_state_changed(ctx, before, expect.state_changed, ctx.settle_ms))
    return results


def run_browser_step(step: BrowserStep, start_url: str, ctx: StepContext) -> list[Assertion]:
    expect = step.expect
    # The page may not exist yet before a first goto; stateChanged then compares against a blank page.
    before = fingerprint(ctx.page) if expect and expect.state_changed is not None else None
    assertions = _act(ctx, step, start_url)
    if expect and all(a.status == "passed" for a in assertions):
        assertions += _expectations(ctx, step, expect, before)
    return assertions


def start_url_of(app_url: str, scenario: Scenario) -> str:
    """Where a scenario starts: the app URL itself for startPath "/", else the start path joined to it."""
    start_path = scenario.browser.start_path if scenario.browser else "/"
    if start_path == "/" and scenario.start_path:  # 0.1.5's scenario-level start URL
        start_path = scenario.start_path
    return app_url if start_path == "/" else urljoin(app_url, start_path)


def scripted_steps(scenario: Scenario, app_url: str, id_prefix: str = "") -> list[ProofStep]:
    start_url = start_url_of(app_url, scenario)
    return [
        ProofStep(id=f"{id_prefix}{step.id}", label=step.label or f"{step.action} {step.selector or step.path or ''}".strip(),
                  action=step.action, perform=partial(run_browser_step, step, start_url), journey=scenario.id)
        for step in scenario.browser.steps
    ]
