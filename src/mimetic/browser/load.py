"""Page loads that fit real dev servers: `domcontentloaded`, then settle, all within the viewport's budget.

A cold dev server (Vite, Next) compiles on the first request; waiting for the `load` event under a
short cap charged that compile to whichever viewport came first. Here a load waits for the document
(`domcontentloaded`) and then for the app to settle — the network goes quiet, or the body shows
something — within whatever is left of the budget the scenario / `--timeout-ms` gave. There is no
smaller hidden cap. A load that runs out says which budget it ran out of.
"""

from __future__ import annotations

import time
from typing import Any

SETTLE_SLICE_MS = 250  # how long one "is the network quiet yet?" wait lasts before the body is looked at again

# Something a person could see: visible text, or any element with a size (a canvas, an image, a control).
_VISIBLE_BODY_JS = """() => {
  const body = document.body;
  if (!body) return false;
  if ((body.innerText || "").trim().length > 0) return true;
  return Array.from(body.querySelectorAll("*")).some((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== "hidden";
  });
}"""


class LoadTimeout(Exception):
    """The page did not load (or settle) within the budget; `message` names the budget."""


def budget_reason(url: str, budget_ms: int, phase: str) -> str:
    return (f"{url} did not {phase} within the viewport's {budget_ms} ms budget "
            f"(--timeout-ms {budget_ms}; a cold dev server may need a larger one).")


def _visible(page: Any) -> bool:
    from playwright.sync_api import Error as PlaywrightError

    try:
        return bool(page.evaluate(_VISIBLE_BODY_JS))
    except PlaywrightError:  # a navigation replaced the document mid-check: not settled yet
        return False


def settle(page: Any, deadline: float) -> str:
    """Wait until the network is quiet or the body shows something; returns which one came first."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    while True:
        if _visible(page):
            return "visible body"
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            raise LoadTimeout("settle")
        try:
            page.wait_for_load_state("networkidle", timeout=min(SETTLE_SLICE_MS, remaining_ms))
            return "network quiet"
        except PlaywrightTimeout:
            continue


def load(page: Any, url: str, *, timeout_ms: int, budget_ms: int) -> Any:
    """Navigate and settle within `timeout_ms` (what is left of `budget_ms`); returns the document response.

    Raises LoadTimeout naming `budget_ms` when the time runs out; other Playwright errors propagate."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + max(1, timeout_ms) / 1000
    try:
        response = page.goto(url, wait_until="domcontentloaded", timeout=max(1, timeout_ms))
    except PlaywrightTimeout:
        raise LoadTimeout(budget_reason(url, budget_ms, "load")) from None
    try:
        settle(page, deadline)
    except LoadTimeout:
        raise LoadTimeout(budget_reason(url, budget_ms, "settle (network quiet or a visible body)")) from None
    return response
