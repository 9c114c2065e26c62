import pytest
from pydantic import ValidationError

from mimetic.contracts.manifests import BrowserStep, Lab, Persona, Scenario


def test_lab_accepts_digit_strings_and_comma_repos():
    lab = Lab.model_validate({"schema": "mimetic.lab.v1", "id": "x", "kind": "oss-meta", "count": "3",
                              "repos": "a/b, c/d"})
    assert lab.count == 3 and lab.repos == ["a/b", "c/d"]


@pytest.mark.parametrize("patch", [{"schema": "mimetic.lab.v2"}, {"id": "bad id"}, {"kind": "nope"},
                                   {"count": 0}, {"sims": True}, {"extra": 1}, {"defaults": {"dryRun": "maybe"}},
                                   {"actor": {"kind": "openai-cua", "maxUsdPerLane": -1}}])
def test_lab_rejects_invalid_fields(patch):
    data = {"schema": "mimetic.lab.v1", "id": "x", "kind": "synthetic", **patch}
    with pytest.raises(ValidationError):
        Lab.model_validate(data)


def test_persona_rejects_unknown_traits():
    with pytest.raises(ValidationError):
        Persona.model_validate({"schema": "mimetic.persona.v1", "id": "p", "name": "P", "traits": {"mood": "x"}})


def test_browser_scenario_needs_steps_and_each_step_its_inputs():
    with pytest.raises(ValidationError):
        Scenario.model_validate({"schema": "mimetic.scenario.v1", "id": "s", "title": "t", "goal": "g", "mode": "browser"})
    with pytest.raises(ValidationError, match="fill needs a selector"):
        BrowserStep.model_validate({"id": "a", "action": "fill", "value": "x"})
    with pytest.raises(ValidationError, match="press needs a key"):
        BrowserStep.model_validate({"id": "a", "action": "press", "selector": "#x"})
    with pytest.raises(ValidationError, match="path must start with /"):
        BrowserStep.model_validate({"id": "a", "action": "goto", "path": "http://evil"})
    ok = BrowserStep.model_validate({"id": "a", "action": "press", "selector": "#x", "key": "Enter",
                                     "expect": {"selectorVisible": "#list li"}})
    assert ok.expect.selector_visible == "#list li"
