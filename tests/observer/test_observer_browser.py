"""The Observer in headless Debian Chromium, from file:// and from the loopback server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.observer_runs import XSS_IMG, XSS_SCRIPT, make_observer_run, set_lane_status

from mimetic.labs.synthetic import run_synthetic
from mimetic.observer.export import export_run
from mimetic.lanes.live_feeds import RuntimeStreams
from mimetic.observer.server import ObserverServer
from mimetic.project import Project

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
POLL_SECONDS = 3  # the page's poll interval (observer.js POLL_MS)
LANES = 8


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    root = tmp_path_factory.mktemp("rich") / "project"
    root.mkdir()
    make_observer_run(root, lanes=3, run_id="observer-earlier")
    store, bundle = make_observer_run(root, lanes=LANES)
    with ObserverServer(Project(root.resolve()), store.run_id) as server:
        yield store, bundle, server


@pytest.fixture(scope="module")
def xss(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss") / "project"
    root.mkdir()
    store, bundle = make_observer_run(root, lanes=4, run_id="observer-xss", xss=True)
    with ObserverServer(Project(root.resolve()), store.run_id) as server:
        yield store, bundle, server


def page_url(run, target: str) -> str:
    store, _, server = run
    return server.observer_url if target == "served" else (store.dir / "observer/index.html").as_uri()


class Visit:
    """A page plus everything it requested and every dialog it tried to show."""

    def __init__(self, browser, url: str, width: int = 1440, height: int = 960):
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           is_mobile=width < 500, has_touch=width < 500)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready]", timeout=10_000)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def _open(url: str, **size) -> Visit:
        opened.append(Visit(browser, url, **size))
        return opened[-1]

    yield _open
    for item in opened:
        assert not item.errors, item.errors
        item.close()


@pytest.mark.parametrize("target", ["file", "served"])
def test_grid_shows_one_tile_per_lane(visit, rich, target):
    _, bundle, _ = rich
    page = visit(page_url(rich, target)).page
    labels = page.locator(".tile .tile-label").all_text_contents()
    assert sorted(labels) == sorted(s.label for s in bundle.streams)
    assert page.locator('.tile[data-id="sim-01-ui"] img').get_attribute("src").startswith("../screenshots/sim-01-ui.png")
    assert "14 steps" in page.locator('.tile[data-id="sim-01-ui"]').text_content()


@pytest.mark.parametrize("target", ["file", "served"])
def test_focus_hash_opens_the_lane_and_arrow_keys_and_escape_navigate(visit, rich, target):
    _, bundle, _ = rich
    ids = [s.id for s in bundle.streams]
    page = visit(page_url(rich, target) + f"#focus={ids[0]}").page
    assert page.locator("#focus").is_visible()
    assert page.locator("#focus-title h2").inner_text() == bundle.streams[0].label
    assert page.locator("#focus-pos").inner_text() == f"1 / {len(ids)}"
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"location.hash === '#focus={ids[1]}'")
    assert page.locator("#focus-title h2").inner_text() == bundle.streams[1].label
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"location.hash === '#focus={ids[-1]}'")
    page.keyboard.press("Escape")
    assert page.locator("#focus").is_hidden()
    page.locator(f'.tile[data-id="{ids[2]}"]').click()
    page.wait_for_function(f"location.hash === '#focus={ids[2]}'")
    page.locator('[data-tab="logs"]').click()
    assert page.locator("#focus-tab-body .logs pre").count() >= 1


def test_files_tab_renders_setup_quality_inline_when_served(visit, rich):
    page = visit(page_url(rich, "served") + "#focus=sim-01-ui").page
    page.locator('[data-tab="files"]').click()
    panel = page.locator("#focus-tab-body .sq")
    panel.wait_for(timeout=5_000)
    text = panel.text_content()
    for expected in ("Setup quality", "needs review", "Checks 2/4", ".gitignore lacks .mimetic/", "Study quality",
                     "ceremonial", "Package scripts (2)", "package.json", "Previews (1)"):
        assert expected in text, expected


def test_files_tab_under_file_url_says_to_open_the_artifact_link(visit, rich):
    page = visit(page_url(rich, "file") + "#focus=sim-01-ui").page
    page.locator('[data-tab="files"]').click()
    body = page.locator("#focus-tab-body")
    assert "Static file view cannot hydrate artifacts inline. Open the artifact link directly." in body.inner_text()
    assert body.locator("a", has_text="Setup quality").count() >= 1
    assert body.locator(".sq").count() == 0


@pytest.mark.parametrize("target", ["file", "served"])
def test_screenshots_at_desktop_and_mobile_widths_stay_usable(visit, rich, target):
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1440, 960), (390, 844)):
        page = visit(page_url(rich, target), width=width, height=height).page
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        page.screenshot(path=str(ARTIFACTS / f"observer-{target}-{width}.png"))
        page.locator('.tile[data-id="sim-01-ui"]').click()
        page.locator("#focus").wait_for()
        assert page.evaluate("document.querySelector('#focus').scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"observer-{target}-{width}-focus.png"))
        assert (ARTIFACTS / f"observer-{target}-{width}.png").stat().st_size > 0
    docs_shot = REPO / "docs/assets/observer.png"
    if target == "served" and not docs_shot.exists():
        docs_shot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / "observer-served-1440.png", docs_shot)


@pytest.mark.parametrize("target", ["file", "served"])
def test_markup_in_lane_label_log_and_step_renders_as_text(visit, xss, target):
    visit_ = visit(page_url(xss, target))
    page = visit_.page
    tile = page.locator('.tile[data-id="sim-02-terminal"]')
    assert f"{XSS_IMG} {XSS_SCRIPT}" in tile.locator(".tile-label").inner_text()
    assert XSS_IMG in tile.locator(".step").inner_text()
    assert XSS_SCRIPT in tile.locator(".media").inner_text()
    page.goto(page_url(xss, target) + "#focus=sim-02-terminal")
    page.locator('[data-tab="logs"]').click()
    assert XSS_SCRIPT in page.locator("#focus-tab-body").inner_text()
    page.wait_for_timeout(300)
    assert visit_.dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], img[onerror]').length") == 0
    assert page.evaluate("document.scripts.length") == 2


def test_a_malformed_focus_hash_opens_the_grid_instead_of_breaking_the_page(visit, rich):
    page = visit(page_url(rich, "file") + "#focus=%E0%A4%A").page  # not valid percent-encoding
    assert page.locator("#focus").is_hidden()
    assert page.locator(".tile").count() == LANES


@pytest.mark.parametrize("target", ["file", "served"])
def test_the_page_requests_nothing_outside_its_own_origin(visit, rich, target):
    url = page_url(rich, target)
    visited = visit(url)
    page = visited.page
    page.goto(url + "#focus=sim-01-ui")
    page.locator('[data-tab="files"]').click()
    page.wait_for_timeout(500)
    origin = rich[2].url if target == "served" else "file://"
    assert any("screenshots/sim-01-ui.png" in request for request in visited.requests)
    outside = [r for r in visited.requests if not (r.startswith(origin + "/") or r.startswith("data:"))]
    assert outside == []


def test_served_page_shows_a_lane_change_within_one_poll_without_reload(visit, tmp_path):
    root = tmp_path / "live"
    root.mkdir()
    store, bundle = make_observer_run(root, lanes=4, run_id="observer-live")
    with ObserverServer(Project(root.resolve()), store.run_id) as server:
        visited = visit(server.observer_url)
        page = visited.page
        moving, still = bundle.streams[0].id, bundle.streams[1].id
        page.evaluate(f"document.querySelector('.tile[data-id=\"{still}\"]').dataset.marker = 'kept'")
        page.evaluate("window.__sameDocument = true")
        before = len(visited.requests)
        set_lane_status(store, moving, "failed", "The app crashed on first click.")
        page.wait_for_selector(f'.tile[data-id="{moving}"][data-status="failed"]', timeout=120_000)
        # Within one poll, counted in polls rather than seconds (a busy machine stretches seconds): the change
        # shows at the first poll that starts after it, or the next one if a poll was already in flight.
        polls = [url for url in visited.requests[before:] if "observer-data.json" in url]
        assert 1 <= len(polls) <= 2, polls
        assert "The app crashed on first click." in page.locator(f'.tile[data-id="{moving}"] .step').inner_text()
        assert page.evaluate("window.__sameDocument") is True  # no reload
        assert page.evaluate(f"document.querySelector('.tile[data-id=\"{still}\"]').dataset.marker") == "kept"
        assert page.locator("#live").get_attribute("data-state") == "ok"


def test_a_live_view_keeps_its_iframe_while_its_lane_updates(visit, tmp_path):
    root = tmp_path / "live-view"
    root.mkdir()
    store, bundle = make_observer_run(root, lanes=4, run_id="observer-live-view")
    runtime = RuntimeStreams()
    with ObserverServer(Project(root.resolve()), store.run_id, runtime=runtime) as server:
        lane = bundle.streams[2].id
        runtime.set(lane, f"{server.url}/review.md")  # a loopback stand-in for a desktop stream URL
        page = visit(server.observer_url).page
        frame = page.locator(f'.tile[data-id="{lane}"] iframe')
        assert frame.get_attribute("src") == f"{server.url}/review.md"
        assert page.locator("#media-toggle").is_visible()
        frame.evaluate("el => { el.dataset.marker = 'same'; }")
        set_lane_status(store, lane, "running", "Still clicking through onboarding.")
        page.wait_for_selector(f'.tile[data-id="{lane}"][data-status="running"]', timeout=120_000)
        assert frame.get_attribute("data-marker") == "same"  # same element: the live view never reloaded
        page.locator('#media-toggle [data-media="shots"]').click()
        assert page.locator(f'.tile[data-id="{lane}"] iframe').count() == 0


def test_history_drawer_lists_earlier_runs_when_served(visit, rich):
    page = visit(page_url(rich, "served")).page
    page.locator("#history-btn").click()
    items = page.locator("#history-list li a")
    items.first.wait_for()
    assert {item.locator(".rid").inner_text() for item in items.all()} == {"observer-fixture", "observer-earlier"}
    page.locator("#history-list a", has_text="observer-earlier").click()
    page.wait_for_selector("body[data-ready]")
    assert page.locator(".tile").count() == 3


def test_file_view_hides_history_and_polls_nothing(visit, rich):
    visited = visit(page_url(rich, "file"))
    assert visited.page.locator("#history-btn").is_hidden()
    before = len(visited.requests)
    visited.page.wait_for_timeout(POLL_SECONDS * 1000 + 500)
    assert len(visited.requests) == before


def test_export_opens_offline_with_its_screenshot_visible(browser, rich, tmp_path):
    store, _, _ = rich
    result = export_run(store.project, store.run_id, str(tmp_path / "export.html"))
    context = browser.new_context(offline=True, viewport={"width": 1440, "height": 960})
    requests: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto((tmp_path / "export.html").as_uri())
        page.wait_for_selector("body[data-ready]")
        image = page.locator('.tile[data-id="sim-01-ui"] img')
        image.wait_for()
        page.wait_for_function("[...document.images].every(i => i.complete)")
        assert image.get_attribute("src").startswith("data:image/png;base64,")
        assert image.evaluate("img => img.naturalWidth") == 320
        page.screenshot(path=str(ARTIFACTS / "observer-export-1440.png"))
        page.goto((tmp_path / "export.html").as_uri() + "#focus=sim-01-ui")
        page.locator('[data-tab="files"]').click()
        assert "Checks 2/4" in page.locator("#focus-tab-body .sq").text_content()  # setup evidence inlined
    finally:
        context.close()
    assert result.screenshots_inlined == 1
    assert all(r.startswith("file://") or r.startswith("data:") for r in requests)


def test_a_thousand_lane_page_shows_one_page_of_tiles_pages_and_searches(visit, tmp_path):
    # How fast the page loads is measured in bench/observer_render.py; here, that it draws one page of tiles,
    # not a thousand, and that paging and search work on all of them.
    root = tmp_path / "big"
    root.mkdir()
    store, _, _ = run_synthetic(Project(root.resolve()), sims=1000, run_id="observer-1000")
    page = visit((store.dir / "observer/index.html").as_uri()).page
    assert page.locator(".tile").count() == 48
    assert "of 1000" in page.locator("#pager").inner_text()
    page.locator("#pager button", has_text="Next").click()
    page.wait_for_selector('.tile[data-id="sim-49-ui"]')
    page.locator("#search").fill("sim-999-")
    page.wait_for_function("document.querySelectorAll('.tile').length === 1")
    page.keyboard.press("Escape")
    page.goto((store.dir / "observer/index.html").as_uri() + "#focus=sim-1000-codex-ui")
    assert page.locator("#focus-pos").inner_text() == "1000 / 1000"
