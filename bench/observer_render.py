"""Observer cost for a 1,000-lane run: render time, page size, and load time in headless Chromium.

    python bench/observer_render.py [--lanes 1000] [--repeat 5] [--no-browser]

Render = build observer-data from the bundle + render the Jinja page (median of --repeat);
write = the same plus the two atomic, redacted writes every run pays. Load = navigation until the
page has drawn its first page of tiles (file://, median of 3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from mimetic.labs.synthetic import run_synthetic
from mimetic.observer.render import observer_data, render_html, write_observer
from mimetic.project import Project

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page_load_seconds(index: Path, repeat: int = 3) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("MIMETIC_CHROMIUM", "/usr/bin/chromium"),
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 960})
        times, tiles = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            page.goto(index.as_uri())
            page.wait_for_selector("body[data-ready]")
            times.append(time.perf_counter() - started)
            tiles = page.locator(".tile").count()
        browser.close()
    return statistics.median(times), tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lanes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="Skip the Chromium page-load measurement.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp).resolve())
        store, bundle, _ = run_synthetic(project, sims=args.lanes, run_id=f"bench-{args.lanes}")
        render = median_seconds(lambda: render_html(observer_data(store, bundle)), args.repeat)
        write = median_seconds(lambda: write_observer(store, bundle), args.repeat)
        index = store.dir / "observer/index.html"
        print(f"lanes: {args.lanes}")
        print(f"render (data + html), median of {args.repeat}: {render * 1000:.0f} ms")
        print(f"render + redacted writes, median of {args.repeat}: {write * 1000:.0f} ms")
        print(f"index.html: {index.stat().st_size / 1024:.0f} KiB "
              f"(observer-data.json {(store.dir / 'observer/observer-data.json').stat().st_size / 1024:.0f} KiB)")
        if not args.no_browser:
            load, tiles = page_load_seconds(index)
            print(f"chromium page load (file://, median of 3): {load * 1000:.0f} ms, first page {tiles} tiles")


if __name__ == "__main__":
    main()
