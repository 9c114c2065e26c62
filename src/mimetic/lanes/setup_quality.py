"""Setup-quality evidence (upstream §3.7): what `mimetic init` and the lane left in the cloned repo.

`build_setup_quality` runs inside the lane, on the clone. `sanitize_setup_quality` runs on the host
when the record comes back: whatever the lane wrote is re-capped, unsafe paths are dropped, every
string is scrubbed, and raw previews are suppressed for private (redacted) runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from mimetic.bundle.store import is_relative_path
from mimetic.clock import now_iso
from mimetic.contracts.evidence import (
    MimeticSetupFacts, Preview, QualityCheck, SetupQuality, SetupRedaction, StudyQuality, TreeEntry,
)
from mimetic.lanes.untrusted import read_lane_file, read_lane_text
from mimetic.safety.redact import redact_text

TREE_MAX_DEPTH = 4
TREE_MAX_ENTRIES = 240
PREVIEW_MAX = 20
PREVIEW_CHARS = 8000
PREVIEW_READ_BYTES = 12000
CHECKS_MAX = 40
STUDY_CHECKS_MAX = 20
SKIP_DIRS = frozenset({".git", "node_modules", ".mimetic", "dist", "build", ".next", "coverage", ".turbo", ".cache"})
UNSAFE_SEGMENTS = frozenset({".npmrc", ".git", "node_modules", "dist", "build", ".next"})
PREVIEW_PATTERNS = (
    "package.json", ".gitignore", "pyproject.toml", "mimetic/config.yaml", "mimetic/coverage-map.md",
    "mimetic/coverage-matrix.md", "mimetic/adapters/app.yaml", "mimetic/personas/*", "mimetic/scenarios/*",
    "mimetic/labs/*.yaml",
)
SCRIPT_KEY = re.compile(r"^[A-Za-z0-9:_-]{1,80}$")
PRIVATE_NOTE = "Raw file previews are suppressed for token-backed/private OSS meta-lab runs."
PUBLIC_NOTE = "Previews are limited to an allowlist, bounded, and secret-redacted; .env*, .npmrc and .git are never read."


def safe_relative(path: str) -> bool:
    """A relative path with no secret-bearing or generated segment (.env*, .git, node_modules, ...)."""
    return is_relative_path(path) and not any(
        part in UNSAFE_SEGMENTS or part.startswith(".env") for part in PurePosixPath(path).parts)


def _language(path: str) -> str:
    suffix = PurePosixPath(path).suffix
    return {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".md": "markdown", ".ts": "typescript",
            ".py": "python", ".toml": "text"}.get(suffix, "text")


def _walk(repo: Path) -> list[TreeEntry]:
    entries: list[TreeEntry] = []

    def visit(folder: Path, depth: int) -> None:
        try:
            children = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError:
            return
        for child in children:
            if len(entries) >= TREE_MAX_ENTRIES:
                return
            relative = child.relative_to(repo).as_posix()
            if child.name in SKIP_DIRS or not safe_relative(relative) or child.is_symlink():
                continue
            if child.is_dir():
                entries.append(TreeEntry(path=relative, type="directory"))
                if depth < TREE_MAX_DEPTH:
                    visit(child, depth + 1)
            elif child.is_file():
                entries.append(TreeEntry(path=relative, type="file", size_bytes=child.stat().st_size))

    visit(repo, 1)
    return entries


def _previews(repo: Path, tree: list[TreeEntry]) -> list[Preview]:
    previews = []
    for entry in tree:
        if entry.type != "file" or not any(fnmatch(entry.path, pattern) for pattern in PREVIEW_PATTERNS):
            continue
        raw = read_lane_file(repo, entry.path, limit=PREVIEW_READ_BYTES + 1, oversize="head")
        if raw is None:  # swapped for a symlink (or a FIFO) since the walk: not read
            continue
        text = redact_text(raw[:PREVIEW_READ_BYTES].decode("utf-8", errors="replace"))
        truncated = len(raw) > PREVIEW_READ_BYTES or len(text) > PREVIEW_CHARS
        previews.append(Preview(path=entry.path, language=_language(entry.path), truncated=truncated,
                                text=text[:PREVIEW_CHARS]))
        if len(previews) >= PREVIEW_MAX:
            break
    return previews


def _package_scripts(repo: Path) -> dict[str, str]:
    try:
        scripts = json.loads(read_lane_text(repo, "package.json") or "").get("scripts")
    except (ValueError, AttributeError):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(scripts, dict) else {}


def _count_yaml(folder: Path) -> int:
    return sum(1 for p in folder.glob("*") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else 0


def setup_facts(repo: Path) -> MimeticSetupFacts:
    source = repo / "mimetic"
    scripts = _package_scripts(repo)
    ignore_lines = {line.strip() for line in (read_lane_text(repo, ".gitignore") or "").splitlines()}
    return MimeticSetupFacts(
        config_present=(source / "config.yaml").is_file() or (source / "config.ts").is_file(),
        persona_count=_count_yaml(source / "personas"),
        scenario_count=_count_yaml(source / "scenarios"),
        package_script_present=any("mimetic" in k or "mimetic" in v for k, v in scripts.items()),
        gitignore_contains_runtime_ignore=bool(ignore_lines & {".mimetic", ".mimetic/", "/.mimetic", "/.mimetic/"}),
    )


def setup_checks(facts: MimeticSetupFacts) -> list[QualityCheck]:
    def check(id_: str, label: str, ok: bool, yes: str, no: str) -> QualityCheck:
        return QualityCheck(id=id_, label=label, ok=ok, detail=yes if ok else no)

    return [
        check("mimetic-config", "Mimetic config", facts.config_present,
              "mimetic/config.yaml is present.", "mimetic/config.yaml is missing."),
        check("personas", "Personas", facts.persona_count > 0,
              f"{facts.persona_count} persona file(s) under mimetic/personas.", "No persona files under mimetic/personas."),
        check("scenarios", "Scenarios", facts.scenario_count > 0,
              f"{facts.scenario_count} scenario file(s) under mimetic/scenarios.", "No scenario files under mimetic/scenarios."),
        check("package-script", "Package script", facts.package_script_present,
              "package.json has a mimetic script.", "package.json has no mimetic script."),
        check("runtime-ignore", "Runtime ignored", facts.gitignore_contains_runtime_ignore,
              ".gitignore ignores .mimetic/.", ".gitignore does not ignore .mimetic/."),
    ]


def _summarise(checks: list[QualityCheck]) -> tuple[str, str]:
    gaps = sum(not c.ok for c in checks)
    if gaps == 0:
        return "passed", "Mimetic setup evidence looks complete."
    return "needs_review", f"{gaps} setup-quality gap(s) need review."


def build_setup_quality(repo: Path, *, study: StudyQuality | None = None, private: bool = False,
                        facts: MimeticSetupFacts | None = None) -> SetupQuality:
    facts = facts or setup_facts(repo)
    checks = setup_checks(facts)
    status, summary = _summarise(checks)
    tree = _walk(repo)
    previews = [] if private else _previews(repo, tree)
    return SetupQuality(
        generated_at=now_iso(),
        redaction=SetupRedaction(raw_previews="suppressed" if private else "included",
                                 notes=PRIVATE_NOTE if private else PUBLIC_NOTE),
        summary=summary, status=status, checks=checks, tree=tree, previews=previews, study_quality=study,
        package_scripts=_package_scripts(repo), mimetic=facts,
    )


def sanitize_setup_quality(raw: dict, *, private: bool, scrub: Callable[[str], str]) -> SetupQuality | None:
    """Re-apply every limit on the host; a record that does not validate is dropped (None)."""
    from pydantic import ValidationError

    try:
        record = SetupQuality.model_validate(raw)
    except ValidationError:
        return None

    def clean_checks(checks: list[QualityCheck], cap: int) -> list[QualityCheck]:
        return [QualityCheck(id=scrub(c.id)[:80], label=scrub(c.label)[:200], ok=c.ok, detail=scrub(c.detail)[:500])
                for c in checks[:cap]]

    study = record.study_quality
    if study is not None:
        study = study.model_copy(update={"summary": scrub(study.summary), "checks": clean_checks(study.checks, STUDY_CHECKS_MAX)})
    tree = [TreeEntry(path=scrub(e.path), type=e.type, size_bytes=e.size_bytes)
            for e in record.tree if safe_relative(e.path)][:TREE_MAX_ENTRIES]
    previews = [] if private else [
        Preview(path=scrub(p.path), language=p.language, truncated=p.truncated or len(p.text) > PREVIEW_CHARS,
                text=scrub(p.text[:PREVIEW_CHARS]))
        for p in record.previews if safe_relative(p.path)][:PREVIEW_MAX]
    scripts = {key: scrub(value[:300]) for key, value in record.package_scripts.items() if SCRIPT_KEY.match(key)}
    return record.model_copy(update={
        "summary": scrub(record.summary),
        "redaction": SetupRedaction(status="passed", raw_previews="suppressed" if private else "included",
                                    notes=PRIVATE_NOTE if private else scrub(record.redaction.notes or PUBLIC_NOTE)),
        "checks": clean_checks(record.checks, CHECKS_MAX), "tree": tree, "previews": previews, "study_quality": study,
        "package_scripts": scripts,
    })
