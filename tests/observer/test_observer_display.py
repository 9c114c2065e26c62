"""0.1.5's Observer extras in headless Debian Chromium: display settings (persisted), the run console
(backtick or ~), the run-details popover and the collapsible lane rail."""

from __future__ import annotations

import pytest
from fixtures.observer_runs import make_observer_run

from mimetic.observer.server import ObserverServer
from mimetic.project import Project

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("display") / "project"
    root.mkdir()
    store, bundle = make_observer_run(root, lanes=4, run_id="observer-display")
    with ObserverServer(Project(root.resolve()), store.run_id) as server:
        yield store, bundle, server


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 960})
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert not errors, errors


def _open(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=10_000)
    return page


def _density(page) -> str:
    return page.evaluate("document.documentElement.getAttribute('data-density')")


@pytest.mark.parametrize("target", ["file", "served"])
def test_display_settings_apply_at_once_and_persist_across_reloads(context, run, target):
    store, _, server = run
    url = server.observer_url if target == "served" else (store.dir / "observer/index.html").as_uri()
    page = _open(context, url)
    assert _density(page) == "comfortable"
    wide = page.locator(".tile").first.bounding_box()["width"]
    page.locator("#display-btn").click()
    assert page.locator("#display-settings").is_visible()
    page.locator('[data-pref="density"] [data-value="dense"]').click()
    assert _density(page) == "dense"
    assert page.locator(".tile").first.bounding_box()["width"] < wide  # more lanes per row
    page.locator('[data-pref="statusStyle"] [data-value="bar"]').click()
    page.locator('[data-pref="motion"] [data-value="reduced"]').click()
    page.locator('#accent-swatches [data-accent="#34d399"]').click()
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == "#34d399"
    bar = page.evaluate("getComputedStyle(document.querySelector('.tile'), '::before').height")
    assert bar == "4px"  # the status bar runs across the tile's top
    assert page.evaluate("getComputedStyle(document.querySelector('.pill'), '::before').animationName") == "none"
    page.keyboard.press("Escape")
    assert page.locator("#display-settings").is_hidden()
    page.reload()
    page.wait_for_selector("body[data-ready]")
    attrs = page.evaluate("[...['data-density','data-status-style','data-motion']].map(a => document.documentElement.getAttribute(a))")
    assert attrs == ["dense", "bar", "reduced"]
    assert page.evaluate("JSON.parse(localStorage.getItem('mimetic-observer:accent'))") == "#34d399"


def test_backtick_and_tilde_toggle_the_run_console_with_the_runs_events(context, run):
    store, bundle, server = run
    page = _open(context, server.observer_url)
    assert page.locator("#run-console").is_hidden()
    page.keyboard.press("`")
    assert page.locator("#run-console").is_visible()
    lines = page.locator("#console-body li")
    assert lines.count() == len(bundle.events)
    assert bundle.events[-1].message in lines.last.inner_text()
    assert page.locator("#console-meta").inner_text().startswith(f"{len(bundle.events)} event")
    page.keyboard.press("Escape")
    assert page.locator("#run-console").is_hidden()
    page.keyboard.press("~")
    assert page.locator("#run-console").is_visible()
    page.keyboard.press("~")
    assert page.locator("#run-console").is_hidden()
    page.locator("#search").click()  # typing a backtick into the search box is text, not a shortcut
    page.keyboard.press("`")
    assert page.locator("#run-console").is_hidden()


def test_the_run_details_popover_shows_the_run_and_closes_on_an_outside_click(context, run):
    store, bundle, server = run
    page = _open(context, server.observer_url)
    page.locator("#details-btn").click()
    details = page.locator("#run-details")
    assert details.is_visible() and page.locator("#details-btn").get_attribute("aria-expanded") == "true"
    text = details.inner_text()
    assert bundle.run_id in text and bundle.mode in text and "local-only" in text
    page.locator("#run-summary").click()
    assert details.is_hidden()


def test_the_lane_rail_collapses_gives_the_stage_its_width_and_stays_collapsed(context, run):
    store, bundle, server = run
    page = _open(context, server.observer_url + f"#focus={bundle.streams[0].id}")
    assert page.locator("#focus-rail").is_visible()
    stage = page.locator("#focus-stage").bounding_box()["width"]
    page.locator("#rail-toggle").click()
    assert page.locator("#focus-rail").is_hidden()
    assert page.locator("#focus").get_attribute("data-rail") == "collapsed"
    assert page.locator("#focus-stage").bounding_box()["width"] > stage
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert page.locator("#focus-rail").is_hidden() and page.locator("#rail-toggle").inner_text() == "Show lanes"
    page.locator("#rail-toggle").click()
    assert page.locator("#focus-rail").is_visible()


def test_the_open_console_follows_a_served_run_as_events_arrive(context, tmp_path):
    from mimetic.bundle.compose import EventLog
    from mimetic.bundle.store import review_markdown

    root = tmp_path / "live"
    root.mkdir()
    store, bundle = make_observer_run(root, lanes=2, run_id="observer-console-live")
    with ObserverServer(Project(root.resolve()), store.run_id) as server:
        page = _open(context, server.observer_url)
        page.keyboard.press("`")
        before = page.locator("#console-body li").count()
        current = store.load_bundle()
        log = EventLog(events=list(current.events))
        log.add("oss-meta.setup-actor.passed", "oss-01 setup actor passed: wrote 2 personas for this app.")
        current.events = log.events
        store.write_bundle(current, markdown=review_markdown(current))
        # The page's own poll brings the new event; the console (still open) shows it without a reload.
        page.locator("#console-body li").nth(before).wait_for(timeout=15_000)
        assert "wrote 2 personas for this app" in page.locator("#console-body li").last.inner_text()
        assert page.locator("#run-console").is_visible()
