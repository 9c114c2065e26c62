"""Every model provider adds a todo in real Chromium through its real SDK client and a strict fake of its wire
format: OpenAI's GA `computer` tool (batched actions), OpenAI's preview tool, Anthropic's computer toolset and an
OpenAI-compatible chat endpoint. The fake's model finds the input in the screenshot it was sent (in that image's
pixel space); the click must come back through the SDK, mimetic's coordinate mapping and Playwright and land on
the input, on a desktop page (DPR 1) and on a phone viewport (DPR 3)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from fixtures.actor_support import (
    CANARY_KEY, anthropic_env, clicks, compatible_env, files_containing, layout_of, openai_env, record_clicks,
)
from fixtures.fake_anthropic import serve_fake_anthropic
from fixtures.fake_brain import TodoBrain
from fixtures.fake_chat import serve_fake_chat
from fixtures.fake_responses import serve_fake_openai
from mimetic.actors.actor import Brief
from mimetic.actors.budget import ActorBudget
from mimetic.actors.playwright_computer import PlaywrightComputer
from mimetic.actors.registry import make_actor
from mimetic.bundle.store import RunStore
from mimetic.project import Project

pytestmark = pytest.mark.browser
STREAM = "browser-desktop-stream"
# kind, model, fake server, environment, requests the brain's three-action batch takes (batched vs one per call)
PROVIDERS = {
    "openai-ga": ("openai-cua", "gpt-5.4-mini", serve_fake_openai, openai_env, 2),
    "openai-preview": ("openai-cua", "computer-use-preview", serve_fake_openai, openai_env, 4),
    "anthropic": ("anthropic", "claude-sonnet-5-5", serve_fake_anthropic, anthropic_env, 2),
    "openai-compatible": ("openai-compatible", "ui-tars-1.5-7b", serve_fake_chat, compatible_env, 2),
}


def todos(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/api/todos", timeout=5) as response:
        return [todo["title"] for todo in json.loads(response.read())]


@pytest.mark.parametrize("surface", ["page", "phone"])
@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_each_provider_adds_a_todo_with_its_click_landing_on_the_input(provider, surface, request, todo_url,
                                                                       tmp_path: Path, monkeypatch):
    kind, model, serve_fake, env, requests = PROVIDERS[provider]
    page = request.getfixturevalue(surface)
    title = f"Oat milk via {provider} {surface}"
    record_clicks(page)
    brain = TodoBrain(layout_of(page, "#new-todo"), title)
    store = RunStore(Project(tmp_path), "actor-test")
    with serve_fake(brain) as fake:
        env(monkeypatch, fake.base_url)
        report = make_actor(kind, model=model).run(PlaywrightComputer(page), Brief(goal="Add a todo"),
                                                   budget=ActorBudget(), store=store, stream_id=STREAM)

    assert report.status == "passed", report.reason
    assert title in todos(todo_url)
    # The pointer click hit the input (Enter's implicit submission then "clicks" the Add button at 0,0).
    assert clicks(page)[0][2] == "new-todo"
    viewport = page.viewport_size
    width, height = brain.seen[0]
    assert width <= viewport["width"] and abs(width / height - viewport["width"] / viewport["height"]) < 0.01
    assert len(fake.bodies()) == requests and report.steps == 3 and report.model == model
    assert len(report.turns) == requests and all(t.tokens.input > 0 for t in report.turns)
    assert files_containing(store.dir, CANARY_KEY) == []


def test_openai_sends_the_tool_its_model_takes_and_css_pixel_screenshots(phone, tmp_path, monkeypatch):
    for model, tool in (("gpt-5.4", {"type": "computer"}),
                        ("computer-use-preview-2025-03-11",
                         {"type": "computer_use_preview", "display_width": 390, "display_height": 844,
                          "environment": "browser"})):
        brain = TodoBrain(layout_of(phone, "#new-todo"), f"tool {model}")
        with serve_fake_openai(brain) as fake:
            openai_env(monkeypatch, fake.base_url)
            report = make_actor("openai-cua", model=model).run(
                PlaywrightComputer(phone), Brief(goal="Add a todo"), budget=ActorBudget(),
                store=RunStore(Project(tmp_path), "run-" + model.replace(".", "-")), stream_id=STREAM)
        assert report.status == "passed" and brain.seen[0] == (390, 844)  # DPR 3, yet CSS pixels
        assert all(b["tools"] == [tool] and b["store"] is False for b in fake.bodies())


def test_anthropic_screens_are_scaled_into_the_model_box_and_clicks_scaled_back(page, tmp_path, monkeypatch):
    record_clicks(page)
    brain = TodoBrain(layout_of(page, "#new-todo"), "scaled")
    with serve_fake_anthropic(brain) as fake:
        anthropic_env(monkeypatch, fake.base_url)
        report = make_actor("anthropic").run(PlaywrightComputer(page), Brief(goal="Add a todo"), budget=ActorBudget(),
                                            store=RunStore(Project(tmp_path), "scaled"), stream_id=STREAM)
    assert report.status == "passed" and brain.seen[0] == (1200, 800)  # 1440x960 into 1280x800
    assert fake.bodies()[0]["tools"] == [{"type": "computer_toolset_20260801", "configs": {
        name: {"enabled": False} for name in ("cursor_position", "hold_key", "left_mouse_down", "left_mouse_up",
                                              "triple_click", "zoom")}}]
    assert "anthropic-beta" not in fake.served.requests[0].headers
    assert clicks(page)[0][2] == "new-todo"
