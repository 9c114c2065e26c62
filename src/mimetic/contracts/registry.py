"""Every model with a SCHEMA_ID, found by walking the contracts package, so no list is kept twice."""

from __future__ import annotations

import importlib
import json
import pkgutil
from functools import cache
from pathlib import Path

from mimetic.contracts.base import Record

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


@cache
def schema_models() -> dict[str, type[Record]]:
    import mimetic.contracts as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    models: dict[str, type[Record]] = {}
    for model in _subclasses(Record):
        schema_id = model.__dict__.get("SCHEMA_ID")
        if schema_id:
            if schema_id in models and models[schema_id] is not model:
                raise RuntimeError(f"two models claim schema id {schema_id}")
            models[schema_id] = model
    return dict(sorted(models.items()))


def generate_schema(schema_id: str) -> dict:
    model = schema_models()[schema_id]
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = schema_id
    return schema


def render_schema(schema_id: str) -> str:
    return json.dumps(generate_schema(schema_id), indent=2, sort_keys=True) + "\n"


def shipped_schema_path(schema_id: str) -> Path:
    return SCHEMAS_DIR / f"{schema_id}.json"


def write_shipped_schemas() -> list[Path]:
    """Regenerate the JSON Schema files shipped in the package (run by scripts/gen-schemas)."""
    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    wanted = {shipped_schema_path(s) for s in schema_models()}
    for stale in SCHEMAS_DIR.glob("*.json"):
        if stale not in wanted:
            stale.unlink()
    written = []
    for schema_id in schema_models():
        path = shipped_schema_path(schema_id)
        path.write_text(render_schema(schema_id), encoding="utf-8")
        written.append(path)
    return written
