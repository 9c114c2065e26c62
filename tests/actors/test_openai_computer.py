"""The OpenAI actor through the real `openai` SDK against a strict Responses fake: the GA `computer` tool with
batched actions for current models, the preview tool for `computer-use-preview`, each adding a todo in real
Chromium with real clicks and typing, on a desktop page (DPR 1) and a phone viewport (DPR 3)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from fixtures.actor_support import CANARY_KEY, clicks, files_containing, layout_of, openai_env, record_clicks
from fixtures.fake_brain import TodoBrain
from fixtures.fake_responses import serve_fake_openai
from mimetic.actors.actor import Brief
from mimetic.actors.budget import ActorBudget
from mimetic.actors.playwright_computer import PlaywrightComputer
from mimetic.actors.registry import make_actor
from mimetic.bundle.store import RunStore
from mimetic.project import Project

pytestmark = pytest.mark.browser
STREAM = "browser-desktop-stream"


def todos(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/api/todos", timeout=5) as response:
        return [todo["title"] for todo in json.loads(response.read())]


def add_todo(page, tmp_path: Path, monkeypatch, model: str):
    title = f"Oat milk via {model} {id(page)}"
    record_clicks(page)
    brain = TodoBrain(layout_of(page, "#new-todo"), title)
    store = RunStore(Project(tmp_path), "actor-test")
    with serve_fake_openai(brain) as fake:
        openai_env(monkeypatch, fake.base_url)
        actor = make_actor("openai-cua", model=model)
        report = actor.run(PlaywrightComputer(page), Brief(goal="Add a todo"), budget=ActorBudget(), store=store,
                           stream_id=STREAM)
    return title, report, fake, brain, store


@pytest.mark.parametrize("surface", ["page", "phone"])
@pytest.mark.parametrize("model", ["gpt-5.4-mini", "computer-use-preview"])
def test_openai_actor_adds_a_todo_with_clicks_landing_on_the_input(surface, model, request, todo_url, tmp_path,
                                                                   monkeypatch):
    page = request.getfixturevalue(surface)
    title, report, fake, brain, store = add_todo(page, tmp_path, monkeypatch, model)

    assert report.status == "passed", report.reason
    assert title in todos(todo_url)
    # The pointer click hit the input (Enter's implicit submission then "clicks" the Add button at 0,0).
    assert clicks(page)[0][2] == "new-todo"
    viewport = page.viewport_size
    assert brain.seen[0] == (viewport["width"], viewport["height"])  # CSS-pixel screenshots, also at DPR 3
    bodies = fake.bodies()
    tool = bodies[0]["tools"][0]
    if model == "computer-use-preview":
        assert tool == {"type": "computer_use_preview", "display_width": viewport["width"],
                        "display_height": viewport["height"], "environment": "browser"}
        assert len(bodies) == 4 and report.steps == 3  # one action per call
    else:
        assert tool == {"type": "computer"}
        assert len(bodies) == 2 and report.steps == 3  # one batch of three actions
    assert all(b["store"] is False and "previous_response_id" not in b for b in bodies)
    assert len(report.turns) == len(bodies) and all(t.latency_ms >= 0 and t.tokens.input > 0 for t in report.turns)
    assert report.tokens.input == sum(t.tokens.input for t in report.turns) and report.provider == "openai"
    assert files_containing(store.dir, CANARY_KEY) == []
