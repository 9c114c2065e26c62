import json

import jsonschema

from mimetic.contracts.registry import render_schema, schema_models, shipped_schema_path


def test_shipped_schemas_match_the_models_exactly():
    """Regenerate with `python scripts/gen_schemas.py` when this fails."""
    stale = [sid for sid in schema_models()
             if not shipped_schema_path(sid).is_file() or shipped_schema_path(sid).read_text() != render_schema(sid)]
    assert stale == []
    shipped = {p.stem for p in shipped_schema_path("x").parent.glob("*.json")}
    assert shipped == set(schema_models())


def test_core_contract_ids_are_shipped():
    assert {"mimetic.run-bundle.v1", "mimetic.lab.v1", "mimetic.persona.v1", "mimetic.scenario.v1",
            "mimetic.review.v1", "mimetic.latest-run.v1", "mimetic.run-result.v1", "mimetic.verify-result.v1",
            "mimetic.oss-meta-lab-result.v1", "mimetic.feedback-candidate.v1"} <= set(schema_models())


def test_a_written_bundle_validates_against_its_shipped_schema(cli, project):
    cli("run", "--dry-run", "--sims", "4", "--run-id", "s1", "--json")
    schema = json.loads(shipped_schema_path("mimetic.run-bundle.v1").read_text())
    jsonschema.validate(json.loads((project / ".mimetic/runs/s1/run.json").read_text()), schema)


def test_schema_commands_list_and_show(cli):
    ids = cli("schema", "list", "--json").json()["schemas"]
    assert "mimetic.run-bundle.v1" in ids
    shown = cli("schema", "show", "mimetic.lab.v1", "--json").json()
    assert shown["$id"] == "mimetic.lab.v1" and "kind" in shown["properties"]
    missing = cli("schema", "show", "mimetic.nope.v1", "--json")
    assert missing.exit_code == 2 and missing.json()["error"]["code"] == "MIMETIC_SCHEMA_NOT_FOUND"
