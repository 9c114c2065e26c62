"""`mimetic schema list|show`: the JSON Schemas generated from the contract models."""

from __future__ import annotations

import typer

from mimetic.cli._options import CwdOpt, JsonOpt


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="List and print the JSON Schemas of every mimetic contract.", no_args_is_help=True)
    app.add_typer(group, name="schema")

    @group.command("list", help="List the schema ids mimetic ships.")
    def list_(cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted, lines
        from mimetic.contracts.registry import schema_models

        def action() -> Outcome:
            ids = list(schema_models())
            data = {"schema": "mimetic.schema-list.v1", "ok": True, "schemas": ids}
            return Outcome(data, human=lambda d: lines(*d["schemas"]))

        execute(json_wanted(json), action)

    @group.command("show", help="Print one JSON Schema.")
    def show(schema_id: str = typer.Argument(..., help="A schema id such as mimetic.run-bundle.v1."), cwd: CwdOpt = ".", json: JsonOpt = False) -> None:
        from mimetic.cli._output import Outcome, execute, json_wanted, print_json
        from mimetic.contracts.registry import schema_models, shipped_schema_path
        from mimetic.errors import MimeticError

        def action() -> Outcome:
            if schema_id not in schema_models():
                raise MimeticError("MIMETIC_SCHEMA_NOT_FOUND", f"Unknown schema id: {schema_id}. See `mimetic schema list`.")
            import json as jsonlib

            document = jsonlib.loads(shipped_schema_path(schema_id).read_text(encoding="utf-8"))
            return Outcome(document, human=print_json)

        execute(json_wanted(json), action)
