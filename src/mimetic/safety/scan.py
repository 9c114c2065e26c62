"""The public-safety scan `verify` runs over a whole run directory.

It claims only what it checks: secret/token shapes and known secret values, auth-like URL
parameters, absolute home/temp paths, and browser-profile or git folders. It is not a PII detector.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from mimetic.safety.redact import find_secrets

RISKY_SEGMENTS = frozenset(
    {".git", "Cookies", "Login Data", "Local Storage", "Preferences", "Secure Preferences", "profiles",
     "Default", "Session Storage", "IndexedDB", ".env", ".npmrc"}
)
BINARY_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".tgz", ".gz", ".zip", ".whl"})
ABSOLUTE_LOCAL_PATH = re.compile(
    r"(?<![\w./-])(?:/home/[A-Za-z0-9._-]+/|/Users/[A-Za-z0-9._-]+/|/root/|/tmp/|/private/tmp/|/var/folders/|"
    r"[A-Za-z]:\\\\Users\\\\)"
)
MAX_FINDINGS = 50
SCAN_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    path: str  # run-relative
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def scan_text(text: str) -> list[str]:
    problems = list(find_secrets(text))
    if ABSOLUTE_LOCAL_PATH.search(text):
        problems.append("absolute home or temp path")
    return problems


def scan_run_dir(run_dir: Path, legacy_cwd: str | None = None) -> list[Finding]:
    """`legacy_cwd`: the absolute cwd a 0.1.5 run.json stored; that one value is read as the marker."""
    findings: list[Finding] = []
    for path in sorted(run_dir.rglob("*")):
        if len(findings) >= MAX_FINDINGS:
            break
        rel = path.relative_to(run_dir)
        risky = [part for part in rel.parts if part in RISKY_SEGMENTS or part.startswith(".env")]
        if risky:
            findings.append(Finding(rel.as_posix(), f"browser-profile, git or env folder/file ({risky[0]})"))
            continue
        name_problems = find_secrets(rel.as_posix())
        if name_problems:
            findings.append(Finding(rel.as_posix(), "secret-looking file name"))
            continue
        if not path.is_file() or path.suffix.lower() in BINARY_SUFFIXES or path.name.endswith(".tmp"):
            continue
        try:
            with path.open("rb") as handle:
                text = handle.read(SCAN_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        if legacy_cwd and rel.as_posix() == "run.json":
            text = text.replace(json_string(legacy_cwd), '"[target-cwd]"')
        for problem in scan_text(text):
            findings.append(Finding(rel.as_posix(), problem))
    return findings[:MAX_FINDINGS]
