"""Per-run overhead of `mimetic run --app-url` over a bare Playwright page load of the same app.

Both sides launch Debian Chromium once per run against the todo fixture app on loopback; the proof
adds contexts per viewport, step checks, screenshots, traces and the bundle. Prints the median of
several runs of each and their ratio.

    python bench/browser_proof.py [--runs 5] [--sims 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fixtures.todo_app import serve_todo_app  # noqa: E402

from mimetic.browser.chromium import CHROMIUM_ARGS, find_chromium  # noqa: E402
from mimetic.browser.proof import run_app_url  # noqa: E402
from mimetic.project import Project  # noqa: E402


def bare_page_load(url: str, executable: str) -> float:
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1440, "height": 960})
        page.goto(url, wait_until="load")
        browser.close()
    return time.perf_counter() - started


def browser_proof(url: str, sims: int) -> float:
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as root:
        started = time.perf_counter()
        result, exit_code = run_app_url(Project(Path(root)), url, sims=sims, run_id=None, timeout_ms=60_000, actor=None)
        elapsed = time.perf_counter() - started
    if exit_code != 0:
        raise SystemExit(f"the browser proof did not pass: {result.verdict} ({result.error.message if result.error else ''})")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each kind (median is reported)")
    parser.add_argument("--sims", type=int, default=2, choices=(1, 2), help="viewports in the proof")
    args = parser.parse_args()
    executable = find_chromium()
    with serve_todo_app("good") as url:
        bare_page_load(url, executable)  # warm the page cache and the driver once, outside the timings
        bare = [bare_page_load(url, executable) for _ in range(args.runs)]
        proof = [browser_proof(url, args.sims) for _ in range(args.runs)]
    bare_median, proof_median = statistics.median(bare), statistics.median(proof)
    print(f"bare Playwright page load: median {bare_median * 1000:.0f} ms over {args.runs} runs")
    print(f"mimetic browser proof ({args.sims} viewport(s), built-in steps): median {proof_median * 1000:.0f} ms "
          f"over {args.runs} runs")
    print(f"overhead per run: {(proof_median - bare_median) * 1000:+.0f} ms; ratio {proof_median / bare_median:.2f}x")


if __name__ == "__main__":
    main()
