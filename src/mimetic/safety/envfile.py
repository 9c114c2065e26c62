"""`--env-file`: NAME=value lines loaded into this process only; values are never printed or kept."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mimetic.errors import MimeticError
from mimetic.safety.redact import SECRET_ENV_NAME, register_secret

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_loaded_files: list[Path] = []  # env files this process read: lane sandboxes shadow them


@dataclass
class EnvFileResult:
    env_file: str
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _parse_value(value: str) -> str:
    """One value: "double" (with escapes), 'single' (literal) or bare (a trailing ` #comment` dropped)."""
    if value[:1] == '"':
        out, i = [], 1
        while i < len(value):
            ch = value[i]
            if ch == "\\" and i + 1 < len(value):
                out.append(_ESCAPES.get(value[i + 1], "\\" + value[i + 1]))
                i += 2
                continue
            if ch == '"':
                rest = value[i + 1:].strip()
                if rest and not rest.startswith("#"):
                    raise ValueError
                return "".join(out)
            out.append(ch)
            i += 1
        raise ValueError  # unmatched quote
    if value[:1] == "'":
        end = value.find("'", 1)
        rest = value[end + 1:].strip() if end > 0 else ""
        if end < 0 or (rest and not rest.startswith("#")):
            raise ValueError
        return value[1:end]
    value = value.split(" #", 1)[0].rstrip()
    if '"' in value or "'" in value:
        raise ValueError
    return value


def parse_env_text(text: str) -> list[tuple[str, str]]:
    """Parse env-file text; raise MIMETIC_ENV_FILE_INVALID naming the first bad line."""
    pairs = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        try:
            if not sep or not NAME.match(name):
                raise ValueError
            pairs.append((name, _parse_value(value.strip())))
        except ValueError:
            raise MimeticError("MIMETIC_ENV_FILE_INVALID", f"Invalid env assignment on line {line_no}.") from None
    return pairs


def load_env_file(path_text: str, cwd: Path) -> EnvFileResult:
    """Load into os.environ without overriding existing variables; every value becomes a known secret."""
    path = (cwd / path_text) if not Path(path_text).is_absolute() else Path(path_text)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise MimeticError("MIMETIC_ENV_FILE_NOT_FOUND", f"Env file could not be read: {path_text}") from None
    result = EnvFileResult(env_file=path_text)
    _loaded_files.append(path.resolve())
    for name, value in parse_env_text(text):
        # MIMETIC_* control flags are documented as non-secret; every other value is treated as one.
        if not name.startswith("MIMETIC_") or SECRET_ENV_NAME.search(name):
            register_secret(value)
        if name in os.environ:
            result.skipped.append(name)
        else:
            os.environ[name] = value
            result.loaded.append(name)
    return result


def loaded_env_files() -> list[Path]:
    """Every `--env-file` this process loaded (absolute), so no lane sandbox can read one."""
    return list(_loaded_files)
