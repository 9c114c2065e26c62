"""The npm scripts `init` adds to an existing package.json (only missing ones; never overwrites)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mimetic.errors import MimeticError

SCRIPTS = {
    "mimetic": "mimetic",
    "mimetic:doctor": "mimetic doctor",
    "mimetic:run": "mimetic run --dry-run",
    "mimetic:watch": "mimetic watch",
    "mimetic:watch:ci": "mimetic watch --json --no-open",
    "mimetic:verify": "mimetic verify",
}


@dataclass
class ScriptsPatch:
    added: list[str] = field(default_factory=list)
    conflicts: dict[str, str] = field(default_factory=dict)  # name -> the value kept
    text: str | None = None  # the rewritten package.json, when anything was added


def parse(text: str | bytes) -> dict[str, Any]:
    try:  # bytes: json detects the encoding, and undecodable input is a ValueError too
        data = json.loads(text)
    except ValueError as exc:
        raise MimeticError("MIMETIC_INVALID_PACKAGE_JSON", f"package.json is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MimeticError("MIMETIC_INVALID_PACKAGE_JSON", "package.json must contain a JSON object.")
    if not isinstance(data.get("scripts", {}), dict):
        raise MimeticError("MIMETIC_INVALID_PACKAGE_JSON", "package.json \"scripts\" must be an object.")
    return data


def patch_scripts(text: str | bytes) -> ScriptsPatch:
    data = parse(text)
    scripts = dict(data.get("scripts", {}))
    patch = ScriptsPatch()
    for name, value in SCRIPTS.items():
        if name not in scripts:
            scripts[name] = value
            patch.added.append(name)
        elif scripts[name] != value:
            patch.conflicts[name] = str(scripts[name])
    if patch.added:
        data["scripts"] = scripts
        patch.text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return patch
