"""Observer cost for a 1,000-lane run: render time, page size, and load time in headless Chromium.

    python bench/observer_render.py [--lanes 1000] [--repeat 5] [--no-browser]

Render = build observer-data from the bundle + render the Jinja page; write = the same plus the two
atomic, redacted writes every run pays (medians of --repeat, sampled in turns). Load = navigation
from file:// until the page has drawn its first page of tiles (`body[data-ready]`), median of
--repeat, in one browser.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _timing import row, side_by_side

from mimetic.browser.chromium import CHROMIUM_ARGS, find_chromium
from mimetic.labs.synthetic import run_synthetic
from mimetic.observer.render import observer_data, render_html, write_observer
from mimetic.project import Project


def page_load_seconds(index: Path, repeat: int) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1440, "height": 960})
        page.goto(index.as_uri())  # warm-up: the first navigation pays for the renderer process
        page.wait_for_selector("body[data-ready]")
        times, tiles = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            page.goto(index.as_uri())
            page.wait_for_selector("body[data-ready]")
            times.append(time.perf_counter() - started)
            tiles = page.locator(".tile").count()
        browser.close()
    return statistics.median(times), tiles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="Skip the Chromium page-load measurement.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as tmp:
        project = Project(Path(tmp).resolve())
        store, bundle, _ = run_synthetic(project, sims=args.lanes, run_id=f"bench-{args.lanes}")
        medians = side_by_side({
            "render": lambda: render_html(observer_data(store, bundle)),
            "write": lambda: write_observer(store, bundle),
        }, repeat=args.repeat)
        index = store.dir / "observer" / "index.html"
        data_file = store.dir / "observer" / "observer-data.json"
        row(f"{args.lanes} lanes: render data + html (median of {args.repeat})", medians["render"])
        row(f"{args.lanes} lanes: render + redacted writes (median of {args.repeat})", medians["write"],
            f"writes are {medians['write'] / medians['render']:.1f}x the render")
        print(f"index.html {index.stat().st_size / 1024:.0f} KiB, observer-data.json "
              f"{data_file.stat().st_size / 1024:.0f} KiB")
        if not args.no_browser:
            load, tiles = page_load_seconds(index, args.repeat)
            row(f"{args.lanes} lanes: Chromium load to first tiles (file://, median of {args.repeat})", load,
                f"{tiles} tiles drawn")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
