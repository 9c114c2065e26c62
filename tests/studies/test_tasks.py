"""Scenario tasks as manifests, and the participant's brief (which never holds the success criteria)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mimetic.contracts.manifests import Persona, Scenario, ScenarioTask
from mimetic.studies.tasks import brief_for

MARKED_TASK = {
    "id": "reach-signup", "goal": "Create an account so you can save your list.",
    "success": {
        "allOf": [{"text": "SECRET-TEXT-1", "selector": "#SECRET-SELECTOR-2"}, {"urlIncludes": "/SECRET-URL-3"}],
        "anyOf": [{"selectorVisible": "#SECRET-VISIBLE-4"}, {"stateChanged": True}],
        "stopWhen": {"anyOf": [{"text": "SECRET-STOP-5"}], "allOf": [{"urlIncludes": "SECRET-STOP-URL-6"}]},
    },
    "judge": "model", "rubric": "SECRET-RUBRIC-7: the welcome screen is shown",
    "steps": [{"id": "open", "action": "goto", "path": "/SECRET-STEP-8"}],
}
MARKERS = [f"SECRET-{name}" for name in ("TEXT-1", "SELECTOR-2", "URL-3", "VISIBLE-4", "STOP-5", "STOP-URL-6",
                                          "RUBRIC-7", "STEP-8")]


def test_the_participants_brief_holds_the_goal_and_persona_but_none_of_the_success_criteria():
    task = ScenarioTask.model_validate(MARKED_TASK)
    persona = Persona.model_validate({"schema": "mimetic.persona.v1", "id": "p", "name": "Pat",
                                      "summary": "Shops weekly.", "constraints": ["Uses a screen reader"]})
    text = brief_for(task, persona).text()
    assert "Create an account so you can save your list." in text and "Pat" in text
    assert [marker for marker in MARKERS if marker in text] == []
    assert "stateChanged" not in text and "success" not in text.lower()


def test_a_study_scenario_is_additive_to_mimetic_scenario_v1():
    scenario = Scenario.model_validate({"schema": "mimetic.scenario.v1", "id": "s", "title": "S", "goal": "g",
                                        "mode": "study", "ordered": True, "tasks": [MARKED_TASK]})
    assert scenario.tasks[0].success.stop_when.any_of[0].text == "SECRET-STOP-5"
    plain = Scenario.model_validate({"schema": "mimetic.scenario.v1", "id": "s", "title": "S", "goal": "g"})
    assert plain.tasks == [] and plain.ordered is False


@pytest.mark.parametrize(("change", "message"), [
    ({"success": {}}, "give allOf or anyOf"),
    ({"success": {"allOf": [{}]}}, "a check needs text"),
    ({"success": {"allOf": [{"selector": "#x", "urlIncludes": "/a"}]}}, "selector scopes text"),
    ({"rubric": None}, "judge: model needs a rubric"),
    ({"startPath": "signup"}, "startPath must start with /"),
])
def test_malformed_tasks_are_rejected_with_the_reason(change, message):
    with pytest.raises(ValidationError, match=message):
        ScenarioTask.model_validate({**MARKED_TASK, **change})


def test_a_study_scenario_needs_tasks_with_unique_ids():
    base = {"schema": "mimetic.scenario.v1", "id": "s", "title": "S", "goal": "g"}
    with pytest.raises(ValidationError, match="mode study needs tasks"):
        Scenario.model_validate({**base, "mode": "study"})
    with pytest.raises(ValidationError, match="task ids must be unique"):
        Scenario.model_validate({**base, "tasks": [MARKED_TASK, MARKED_TASK]})
