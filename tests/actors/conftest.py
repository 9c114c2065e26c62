"""Shared by actor tests: one Chromium and one good todo app per module, and a fresh page per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.todo_app import serve_todo_app


@pytest.fixture(scope="module")
def todo_url() -> Iterator[str]:
    with serve_todo_app("good") as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from conftest import CHROMIUM
    from mimetic.browser.chromium import launch_chromium

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM}")
    with launch_chromium(CHROMIUM) as launched:
        yield launched


@pytest.fixture
def page(chromium: Any, todo_url: str) -> Iterator[Any]:
    from mimetic.browser.chromium import DESKTOP

    context = chromium.new_context(DESKTOP)
    page = context.new_page()
    page.goto(todo_url)
    page.wait_for_selector("#new-todo")
    yield page
    context.close()


@pytest.fixture
def phone(chromium: Any, todo_url: str) -> Iterator[Any]:
    """The mobile viewport at DPR 3: a screenshot in device pixels would be 3x the CSS size."""
    context = chromium.browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                                           has_touch=True)
    page = context.new_page()
    page.goto(todo_url)
    page.wait_for_selector("#new-todo")
    yield page
    context.close()
