"""Load authored YAML into pydantic models; every failure names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mimetic.errors import MimeticError
from mimetic.safety.regular import read_regular

M = TypeVar("M", bound=BaseModel)

# Which error code each manifest family raises.
ERROR_CODES = {
    "Lab": "MIMETIC_LAB_INVALID",
    "Persona": "MIMETIC_PERSONA_INVALID",
    "Scenario": "MIMETIC_SCENARIO_INVALID",
    "Config": "MIMETIC_CONFIG_INVALID",
}


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
    if error["type"] == "extra_forbidden":
        return "unknown field (not part of the schema)"
    if error["type"] == "missing":
        return "required field is missing"
    return msg[0].lower() + msg[1:] if msg else msg


def load_yaml(path: Path, code: str, display: str) -> Any:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = read_regular(path).decode("utf-8")
    except (OSError, ValueError) as exc:  # missing, a FIFO or device, over 64 MiB, not UTF-8
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


def load_manifest(path: Path, model: type[M], *, display: str | None = None) -> M:
    """Parse and validate one manifest. `display` is the path shown to the user (project-relative)."""
    display = display or path.as_posix()
    code = ERROR_CODES.get(model.__name__, "MIMETIC_MANIFEST_INVALID")
    data = load_yaml(path, code, display)
    if not isinstance(data, dict):
        raise MimeticError(code, f"{display}:1: the document must be a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        line = _line_of(data, loc)
        where = " -> ".join(str(part) for part in loc) or "(document)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise MimeticError(code, f"{display}:{line or 1}: {where}: {_message(first)}{more}") from None
