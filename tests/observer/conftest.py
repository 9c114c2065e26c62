"""One headless Debian Chromium per Observer test module, launched with the flags mimetic itself uses."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM
    from mimetic.browser.chromium import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()
