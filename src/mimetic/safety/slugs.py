"""GitHub `owner/repo` slugs: the only repository input mimetic accepts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mimetic.errors import MimeticError

SLUG_PATTERN = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")  # \Z: `$` also matches before a final newline
DEFAULT_REPOS = ("CorentinTh/it-tools", "drawdb-io/drawdb", "maciekt07/TodoApp", "lissy93/dashy")


def validate_slug(slug: str) -> str:
    ok = (
        bool(SLUG_PATTERN.match(slug))
        and ".." not in slug
        and "//" not in slug
        and not slug.split("/")[1].endswith(".git")
        and not slug.startswith(".")
    )
    if not ok:
        raise MimeticError(
            "MIMETIC_INVALID_OSS_REPO",
            f"Only GitHub owner/repo slugs are supported: {slug!r} (no URLs, SSH remotes, local paths or tokens).",
        )
    return slug


def normalize_repos(repo_flags: Iterable[str] = (), repos_csv: str | None = None) -> list[str]:
    """`--repo` values then `--repos`, split on commas, trimmed, de-duplicated in first order, validated."""
    raw = list(repo_flags) + ([repos_csv] if repos_csv else [])
    seen: dict[str, None] = {}
    for item in raw:
        for part in item.split(","):
            part = part.strip()
            if part:
                seen.setdefault(part, None)
    return [validate_slug(slug) for slug in seen]


def slug_token(slug: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")


def clone_url(slug: str, base_url: str | None = None) -> str:
    """`https://github.com/<slug>.git`, or under MIMETIC_GIT_BASE_URL (which replaces only the host part)."""
    base = (base_url or "https://github.com").rstrip("/")
    return f"{base}/{validate_slug(slug)}.git"
