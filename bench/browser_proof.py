"""Per-run overhead of `mimetic run --app-url` over a bare Playwright page load of the same app.

    python bench/browser_proof.py [--repeat 5]

Every sample launches Debian Chromium once against the todo fixture app on loopback. The bare side
opens one 1440x960 page and waits for `load`; the proof adds a context per viewport, the built-in
steps, screenshots, traces and the verified bundle, with one viewport (`--sims 1`) and with two
(desktop + mobile, the default). Samples are taken in turns; medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _timing import ROOT, row, side_by_side

sys.path.insert(0, str(ROOT / "tests"))

from fixtures.todo_app import serve_todo_app  # noqa: E402

from mimetic.browser.chromium import CHROMIUM_ARGS, find_chromium  # noqa: E402
from mimetic.browser.proof import run_app_url  # noqa: E402
from mimetic.project import Project  # noqa: E402


def bare_page_load(url: str, executable: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1440, "height": 960})
        page.goto(url, wait_until="load")
        browser.close()


def browser_proof(url: str, sims: int) -> None:
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as root:
        result, exit_code = run_app_url(Project(Path(root)), url, sims=sims, run_id=None, timeout_ms=60_000, actor=None)
    if exit_code != 0:
        raise SystemExit(f"the browser proof did not pass: {result.verdict} ({result.error.message if result.error else ''})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="samples of each kind (median is reported)")
    args = parser.parse_args()
    executable = find_chromium()
    with serve_todo_app("good") as url:
        medians = side_by_side({
            "bare Playwright page load": lambda: bare_page_load(url, executable),
            "mimetic run --app-url --sims 1": lambda: browser_proof(url, 1),
            "mimetic run --app-url (desktop + mobile)": lambda: browser_proof(url, 2),
        }, repeat=args.repeat)
    bare = medians["bare Playwright page load"]
    for label, seconds in medians.items():
        extra = "" if seconds is bare else f"{(seconds - bare) * 1000:+.0f} ms, {seconds / bare:.2f}x bare"
        row(f"{label} (median of {args.repeat})", seconds, extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
