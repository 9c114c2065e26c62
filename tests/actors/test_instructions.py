"""The actor's brief carries the persona and goal; its final verdict is parsed tolerantly, never guessed."""

from __future__ import annotations

from mimetic.actors.instructions import build_instructions, parse_verdict
from mimetic.contracts.manifests import Persona, Scenario


def test_instructions_carry_persona_traits_constraints_goal_and_the_verdict_format():
    persona = Persona.model_validate({
        "schema": "mimetic.persona.v1", "id": "busy-parent", "name": "Busy parent", "summary": "Shops on a phone.",
        "traits": {"patience": "low", "technicalConfidence": "medium", "accessibilityNeeds": "large_text"},
        "constraints": ["Never reads help pages"]})
    scenario = Scenario.model_validate({
        "schema": "mimetic.scenario.v1", "id": "add", "title": "Add a todo", "goal": "Add milk",
        "steps": [{"name": "type", "expectation": "the todo shows"}]})
    text = build_instructions(persona, scenario, "Add milk to the list")
    for expected in ("Busy parent", "Shops on a phone.", "Patience: low", "large text", "Never reads help pages",
                     "Goal: Add milk to the list", "Scenario: Add a todo", "- type: the todo shows",
                     '"verdict"', '"owner": "product"', "```json"):
        assert expected in text


def test_fenced_verdict_with_findings_is_parsed():
    text = """I added the todo but the Add button did nothing.
```json
{"verdict": "passed", "summary": "Added with Enter.", "findings": [
  {"observed": "Add button is dead", "where": "http://127.0.0.1:1/", "severity": "high", "owner": "product",
   "expected": "Clicking Add adds the todo"},
  {"observed": "I misclicked the header", "severity": "minor", "owner": "actor"}]}
```"""
    verdict = parse_verdict(text, default_where="step 3")
    assert verdict.verdict == "passed" and verdict.summary == "Added with Enter."
    product, actor = verdict.findings
    assert (product.observed, product.where, product.severity, product.owner, product.expected) == (
        "Add button is dead", "http://127.0.0.1:1/", "high", "product", "Clicking Add adds the todo")
    assert (actor.severity, actor.owner, actor.where) == ("low", "actor", "step 3")


def test_bare_json_synonyms_and_string_findings_are_accepted():
    verdict = parse_verdict('Done. {"verdict": "FAIL", "findings": ["Filters are swapped", 7]} thanks')
    assert verdict.verdict == "failed"
    assert [(f.observed, f.severity, f.owner) for f in verdict.findings] == [("Filters are swapped", "medium", "product")]


def test_the_last_block_with_a_verdict_wins_and_other_json_is_ignored():
    text = '```json\n{"verdict": "blocked"}\n```\nthen\n```\n{"note": 1}\n```\n```json\n{"verdict": "passed"}\n```'
    assert parse_verdict(text).verdict == "passed"


def test_replies_without_a_recognisable_verdict_are_not_guessed():
    assert parse_verdict("Should I continue?") is None
    assert parse_verdict('```json\n{"verdict": "maybe"}\n```') is None
    assert parse_verdict("```json\n{broken json\n```") is None
    assert parse_verdict("") is None
