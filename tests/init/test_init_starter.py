"""The starter source plane: every file validates, is synthetic, and is public-safe."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from mimetic.contracts import manifests as m
from mimetic.contracts.registry import shipped_schema_path
from mimetic.init.scaffold import STARTER_DIR, STARTER_FILES, starter_bytes, starter_path
from mimetic.manifests import load_manifest, load_yaml
from mimetic.safety.scan import scan_text

YAML_MODELS = {
    "config.yaml": m.Config,
    "personas/synthetic-new-user.yaml": m.Persona,
    "personas/skeptical-power-user.yaml": m.Persona,
    "scenarios/first-run-smoke.yaml": m.Scenario,
    "scenarios/onboarding-regression.yaml": m.Scenario,
    "labs/first-run.yaml": m.Lab,
    "policies/redaction.yaml": m.RedactionPolicy,
    "policies/network.yaml": m.NetworkPolicy,
    "policies/credentials.example.yaml": m.CredentialsPolicy,
    "adapters/app.yaml": m.Adapter,
    "review/vocabulary.yaml": m.ReviewVocabulary,
    "review/milestones.yaml": m.Milestones,
}


def _load(relative: str, model):
    return load_manifest(starter_path(relative), model, display=f"mimetic/{relative}")


def test_starter_lists_the_sixteen_upstream_files_and_ships_each_of_them():
    assert len(STARTER_FILES) == len(set(STARTER_FILES)) == 16
    shipped = {p.relative_to(STARTER_DIR).as_posix() for p in STARTER_DIR.rglob("*") if p.is_file()}
    # Everything but the lab lives in starter/; the lab is the bundled first-run lab.
    assert shipped == set(STARTER_FILES) - {"labs/first-run.yaml"}
    assert all(starter_path(relative).is_file() for relative in STARTER_FILES)


def test_every_starter_yaml_file_has_a_model():
    yaml_files = {relative for relative in STARTER_FILES if relative.endswith(".yaml")}
    assert yaml_files == set(YAML_MODELS)
    assert not any(relative.endswith(".yml") for relative in STARTER_FILES)


@pytest.mark.parametrize("relative", sorted(YAML_MODELS))
def test_starter_yaml_validates_against_its_model_and_shipped_schema(relative):
    model = YAML_MODELS[relative]
    manifest = _load(relative, model)
    assert manifest.schema_ == model.SCHEMA_ID
    data = json.loads(json.dumps(load_yaml(starter_path(relative), "X", relative)))
    schema = json.loads(shipped_schema_path(model.SCHEMA_ID).read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)


def test_starter_personas_are_the_upstream_synthetic_pair():
    new_user = _load("personas/synthetic-new-user.yaml", m.Persona)
    power_user = _load("personas/skeptical-power-user.yaml", m.Persona)
    assert (new_user.id, new_user.traits.patience, new_user.traits.technical_confidence,
            new_user.traits.accessibility_needs) == ("synthetic-new-user", "medium", "medium", "none_declared")
    assert (power_user.id, power_user.traits.patience, power_user.traits.technical_confidence,
            power_user.traits.accessibility_needs) == ("skeptical-power-user", "low", "high", "keyboard_first")
    for path in ("personas/synthetic-new-user.yaml", "personas/skeptical-power-user.yaml"):
        assert "synthetic" in starter_bytes(path).decode().lower()


def test_starter_scenarios_have_three_steps_and_name_a_starter_persona():
    persona_ids = {"synthetic-new-user", "skeptical-power-user"}
    for relative, scenario_id in (("scenarios/first-run-smoke.yaml", "first-run-smoke"),
                                  ("scenarios/onboarding-regression.yaml", "onboarding-regression")):
        scenario = _load(relative, m.Scenario)
        assert scenario.id == scenario_id
        assert len(scenario.steps) == 3
        assert scenario.persona in persona_ids
        assert scenario.mode == "dry-run"


def test_redaction_policy_separates_what_mimetic_enforces_from_what_authors_own():
    policy = _load("policies/redaction.yaml", m.RedactionPolicy)
    assert {"pii", "phi"} <= set(policy.author_responsibility)
    assert not {"pii", "phi", "customer_data", "patient_data"} & set(policy.enforced)
    assert {"openai_api_keys", "e2b_api_keys", "github_tokens", "absolute_home_and_temp_paths"} <= set(policy.enforced)
    # Everything the author must keep out is also denied.
    assert set(policy.author_responsibility) <= set(policy.deny)


def test_credentials_example_holds_environment_variable_names_only():
    policy = _load("policies/credentials.example.yaml", m.CredentialsPolicy)
    assert set(policy.env_names.values()) >= {"OPENAI_API_KEY", "E2B_API_KEY"}
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in policy.env_names.values())
    text = starter_bytes("policies/credentials.example.yaml").decode()
    assert "=" not in text  # no NAME=value assignments


@pytest.mark.parametrize("relative", STARTER_FILES)
def test_starter_file_passes_the_public_safety_scan(relative):
    assert scan_text(starter_bytes(relative).decode("utf-8")) == []


def test_fixture_is_a_synthetic_json_record():
    from mimetic.contracts.manifests import SyntheticFixture

    fixture = SyntheticFixture.model_validate_json(starter_bytes("fixtures/synthetic-login-state.json"))
    assert fixture.synthetic is True
    assert fixture.user["email"].endswith(".test")  # a reserved domain that cannot belong to anyone
