"""Load authored YAML into pydantic models; every failure names the file, the line and the field.

An unknown field is a warning (with a did-you-mean), not an error, so a project written for another
version still loads; `--strict` or `MIMETIC_STRICT=1` turns those warnings into exit 2 for CI.
Warnings are collected here and drained by the CLI into the command's output.
"""

from __future__ import annotations

import difflib
import os
import threading
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mimetic.errors import MimeticError
from mimetic.safety.regular import read_regular

M = TypeVar("M", bound=BaseModel)

# A manifest is a page of hand-written YAML; the biggest mimetic writes is a few KiB. A larger one is refused
# before YAML parses it (a parser builds a node per scalar: megabytes of YAML cost far more memory than bytes).
MAX_MANIFEST_BYTES = 1 << 20

# Which error code each manifest family raises.
ERROR_CODES = {
    "Lab": "MIMETIC_LAB_INVALID",
    "Persona": "MIMETIC_PERSONA_INVALID",
    "Scenario": "MIMETIC_SCENARIO_INVALID",
    "Config": "MIMETIC_CONFIG_INVALID",
}


_strict = False
_lock = threading.Lock()
_warnings: list[str] = []


def set_strict(value: bool) -> None:
    global _strict
    _strict = value


def strict() -> bool:
    return _strict or os.environ.get("MIMETIC_STRICT", "").strip() in {"1", "true", "yes"}


def take_warnings() -> list[str]:
    """Unknown-field warnings collected since the last call, each once, in the order they were found."""
    with _lock:
        found = list(dict.fromkeys(_warnings))
        _warnings.clear()
    return found


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _line_of(node: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node along `loc` that ruamel recorded a position for."""
    line = None
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(key, int) and isinstance(node, list):
                if lc is not None:
                    line = lc.item(key)[0] + 1
                node = node[key]
            elif isinstance(node, dict) and key in node:
                if lc is not None:
                    line = lc.key(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    if line is None and getattr(node, "lc", None) is not None:
        line = node.lc.line + 1
    return line


def _message(error: dict[str, Any]) -> str:
    msg = error["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if error["type"] == "missing":
        return "required field is missing"
    return msg[0].lower() + msg[1:] if msg else msg


def load_yaml(path: Path, code: str, display: str) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = read_regular(path, MAX_MANIFEST_BYTES).decode("utf-8")
    except (OSError, ValueError) as exc:  # missing, a FIFO or device, over the cap, not UTF-8
        reason = str(exc) if type(exc) is ValueError else type(exc).__name__
        raise MimeticError(code, f"{display}: cannot be read ({reason})") from None
    try:
        return _yaml().load(text)
    except RecursionError:
        raise MimeticError(code, f"{display}: YAML nested too deeply") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise MimeticError(code, f"{display}{line}: YAML syntax error: {problem}") from None
    except YAMLError as exc:
        raise MimeticError(code, f"{display}: YAML syntax error: {str(exc).splitlines()[0]}") from None


def _field_names(model: type[BaseModel]) -> set[str]:
    """Every field name and alias in a model tree (the vocabulary a did-you-mean draws on)."""
    names: set[str] = set()
    seen: set[type] = set()

    def walk(cls: type[BaseModel]) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, info in cls.model_fields.items():
            names.update(n for n in (name, info.alias) if n)
            stack = [info.annotation]
            while stack:
                ann = stack.pop()
                if isinstance(ann, type) and issubclass(ann, BaseModel):
                    walk(ann)
                stack.extend(getattr(ann, "__args__", ()) or ())

    walk(model)
    return names


def _unknown_field(data: Any, loc: tuple[Any, ...], display: str, vocabulary: set[str]) -> str:
    line = _line_of(data, loc)
    where = ".".join(str(part) for part in loc)
    close = difflib.get_close_matches(str(loc[-1]), sorted(vocabulary), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{display}:{line or 1}: {where}: unknown field{hint}"


def _drop(data: Any, loc: tuple[Any, ...]) -> None:
    parent = data
    for key in loc[:-1]:
        parent = parent[key]
    parent.pop(loc[-1], None)


def load_manifest(path: Path, model: type[M], *, display: str | None = None) -> M:
    """Parse and validate one manifest. `display` is the path shown to the user (project-relative)."""
    display = display or path.as_posix()
    code = ERROR_CODES.get(model.__name__, "MIMETIC_MANIFEST_INVALID")
    data = load_yaml(path, code, display)
    if not isinstance(data, dict):
        raise MimeticError(code, f"{display}:1: the document must be a mapping of fields")
    unknown: list[str] = []
    while True:
        try:
            loaded = model.model_validate(data)
            break
        except ValidationError as exc:
            errors = exc.errors()
            extra = [tuple(e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
            if not extra:
                _raise_invalid(data, errors, code, display)
            vocabulary = _field_names(model)
            for loc in sorted(extra, key=lambda loc: _line_of(data, loc) or 0):
                unknown.append(_unknown_field(data, loc, display, vocabulary))
                _drop(data, loc)
    if unknown and strict():
        raise MimeticError(code, f"{unknown[0]} (strict mode: unknown fields are errors)"
                                 + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""))
    with _lock:
        _warnings.extend(unknown)
    return loaded


def _raise_invalid(data: Any, errors: list[Any], code: str, display: str) -> None:
    """The first validation error as `file:line: field: message` (the rest are counted)."""
    first = errors[0]
    loc = tuple(first["loc"])
    line = _line_of(data, loc)
    where = " -> ".join(str(part) for part in loc) or "(document)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise MimeticError(code, f"{display}:{line or 1}: {where}: {_message(first)}{more}") from None
