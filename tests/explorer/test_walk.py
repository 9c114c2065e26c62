"""The explorer's walk on the todo fixture app in real headless Chromium, with no script and no model."""

from __future__ import annotations

import json

import pytest

from explorer.conftest import explored, needs_chromium, persona
from mimetic.explorer.persona_style import Budget

pytestmark = [pytest.mark.browser, needs_chromium]


def kinds(trace) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in trace.findings:
        found.setdefault(item.kind, []).append(item.title)
    return found


def test_pointer_walk_finds_the_dead_add_button_and_the_planted_image_without_alt():
    with explored("defective", persona("pointer", patience="low")) as trace:
        dead = [f for f in trace.findings if f.kind == "dead_control"]
        assert [f.control.name for f in dead] == ["Add"]
        # The path that shows it: open the app, fill the form with synthetic text, click Add.
        assert [a.kind for a in dead[0].path] == ["goto", "fill", "click"]
        assert dead[0].path[-1].target == "#add" and dead[0].severity == "error"
        assert any(f.rule == "image-alt" for f in trace.findings if f.kind == "axe_violation")


def test_healthy_app_yields_no_error_level_finding_on_desktop_or_mobile():
    for mobile in (False, True):
        with explored("good", persona("pointer", patience="low"), mobile=mobile) as trace:
            assert trace.steps and trace.stopped_by in ("exhausted", "actions", "states")
            errors = [f"{f.title}: {f.detail}" for f in trace.findings if f.severity == "error"]
            assert errors == [], errors


def test_same_seed_gives_byte_identical_findings_and_another_seed_walks_another_order():
    who = persona("pointer", patience="low")
    walks = []
    for seed in (7, 7, 8):
        with explored("defective", who, seed=seed) as trace:
            walks.append(trace)
    first, again, other = ([f.to_json() for f in t.findings] for t in walks)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert [s.to_json() for s in walks[0].steps] == [s.to_json() for s in walks[1].steps]
    assert [s.control.key for s in walks[0].steps] != [s.control.key for s in walks[2].steps]


def test_keyboard_persona_reports_the_pointer_only_tips_toggle_and_the_pointer_persona_does_not():
    budget = Budget(max_actions=6)
    with explored("defective", persona("keys", accessibilityNeeds="keyboard-only", patience="low"), budget=budget) as trace:
        assert trace.style.input == "keyboard"
        unreachable = [f for f in trace.findings if f.kind == "keyboard_unreachable"]
        assert [(f.control.name, f.control.role) for f in unreachable] == [("Tips", "clickable")]
        # Only keys were pressed after opening the app (typing text into a focused field is typing, not pointing).
        assert {a.kind for s in trace.steps for a in s.actions} <= {"press", "type"}
        assert {a.value for s in trace.steps for a in s.actions if a.kind == "press"} <= {"Tab", "Enter", "Space"}
    with explored("defective", persona("mouse", patience="low"), budget=budget) as trace:
        assert trace.style.input == "pointer"
        assert not [f for f in trace.findings if f.kind == "keyboard_unreachable"]
        assert any(s.control.name == "Tips" and s.outcome == "changed" for s in trace.steps)


def test_touch_persona_taps_and_reports_small_tap_targets_on_mobile():
    with explored("defective", persona("thumb", patience="low"), mobile=True) as trace:
        assert trace.style.input == "touch"
        assert {a.kind for s in trace.steps for a in s.actions} <= {"tap", "fill"}
        small = [f for f in trace.findings if f.kind == "small_tap_target"]
        assert [f.control.name for f in small] == ["Tips"]
