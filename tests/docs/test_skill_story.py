"""SKILL.md tells a coding agent the whole story: every error code the CLI can emit, and every authored
manifest field is explained by `schema show` (a description on each pydantic field)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mimetic.contracts import manifests
from mimetic.contracts.base import Manifest

ROOT = Path(__file__).resolve().parents[2]
SKILL = ROOT / "skills" / "mimetic-cli" / "SKILL.md"
CODE = re.compile(r"^MIMETIC_[A-Z_]+$")
ERROR_CALLS = re.compile(r"(Error|ErrorInfo|_error|_invalid|_usage)$")


def _parents(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]


def _is_code_use(node: ast.Constant) -> bool:
    """A literal in an error position: the first argument of an error, `code=`, a value (not a key) of a
    table of codes, a `*_CODE` constant, or what an error's code is compared with."""
    parent = getattr(node, "parent", None)
    if isinstance(parent, ast.Call):
        func = parent.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return bool(parent.args) and parent.args[0] is node and bool(ERROR_CALLS.search(name))
    if isinstance(parent, ast.keyword):
        return parent.arg == "code"
    if isinstance(parent, ast.Dict):
        return any(value is node for value in parent.values)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
        return getattr(target, "id", "").endswith("_CODE")
    return isinstance(parent, ast.Compare)


def emitted_codes() -> set[str]:
    """Every MIMETIC_* error code in the source (environment variable names, used as keys, are not codes)."""
    codes: set[str] = set()
    for path in (ROOT / "src" / "mimetic").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _parents(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value) \
                    and _is_code_use(node):
                codes.add(node.value)
    return codes


def test_the_source_emits_the_codes_an_agent_meets() -> None:
    codes = emitted_codes()
    # The scan finds codes raised directly, through tables and through constants, and no env names.
    assert {"MIMETIC_BROWSER_PROOF_BLOCKED", "MIMETIC_SCENARIO_INVALID", "MIMETIC_RUN_NOT_FOUND",
            "MIMETIC_FEEDBACK_DRAFT_EXISTS", "MIMETIC_SCENARIO_NOT_FOUND"} <= codes
    assert not {"MIMETIC_CHROMIUM", "MIMETIC_LANE_ROOT", "MIMETIC_GIT_BASE_URL"} & codes


def test_every_error_code_the_cli_can_emit_is_in_skill_md() -> None:
    text = SKILL.read_text(encoding="utf-8")
    missing = sorted(code for code in emitted_codes() if f"`{code}`" not in text)
    assert missing == [], f"SKILL.md does not list: {', '.join(missing)}"


def _authored_models() -> list[type[Manifest]]:
    return [value for value in vars(manifests).values()
            if isinstance(value, type) and issubclass(value, Manifest) and value is not Manifest
            and value.__module__ == manifests.__name__]


@pytest.mark.parametrize("model", _authored_models(), ids=lambda model: model.__name__)
def test_every_field_of_every_authored_manifest_has_a_description(model: type[Manifest]) -> None:
    undocumented = [name for name, field in model.model_fields.items() if not (field.description or "").strip()]
    assert undocumented == [], f"{model.__name__} fields without a description: {undocumented}"


def test_schema_show_explains_a_scenario_step(cli) -> None:
    result = cli("schema", "show", "mimetic.scenario.v1", "--json")
    assert result.exit_code == 0
    expectation = result.json()["$defs"]["BrowserExpectation"]["properties"]
    assert all(prop.get("description") for prop in expectation.values())
    assert "state" in expectation["stateChanged"]["description"].lower()
    assert "visible" in expectation["selectorVisible"]["description"].lower()
