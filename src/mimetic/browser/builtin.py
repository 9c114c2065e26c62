"""The built-in two-step proof, used when the project commits no `mode: browser` scenario:
open the app URL, then check the page rendered something a person could use."""

from __future__ import annotations

from functools import partial

from mimetic.browser.steps import ProofStep, StepContext, goto, wait_until
from mimetic.contracts.evidence import Assertion

BUILTIN_SCENARIO_ID = "browser-app-surface-smoke"
BUILTIN_TITLE = "Browser app surface smoke"
BUILTIN_GOAL = "Open the app and reach a first screen that shows something meaningful."

# Visible text, or at least one visible control, counts as "rendered"; a blank shell does not.
_RENDERED_JS = """() => {
  const text = ((document.body && document.body.innerText) || "").trim();
  const controls = Array.from(document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=link]"
  )).filter((e) => {
    const box = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  });
  return [text.length, controls.length];
}"""


def check_rendered(ctx: StepContext) -> list[Assertion]:
    def probe() -> tuple[bool, str]:
        chars, controls = ctx.page.evaluate(_RENDERED_JS)
        return chars > 0 or controls > 0, f"{chars} characters of visible text, {controls} visible control(s)"

    ok, actual = wait_until(ctx, probe, ctx.settle_ms)
    return [Assertion(kind="rendered", expected="visible body text or a visible interactive element",
                      actual=actual, status="passed" if ok else "failed")]


def builtin_steps(app_url: str) -> list[ProofStep]:
    return [
        ProofStep(id="open", label="Open the app URL", action="goto", perform=partial(goto, url=app_url),
                  journey=BUILTIN_SCENARIO_ID),
        ProofStep(id="rendered", label="The first screen shows something meaningful", action="assertRendered",
                  perform=check_rendered, journey=BUILTIN_SCENARIO_ID),
    ]
