"""Text that comes back from a lane is scrubbed before anything keeps it.

On top of the shared secret redactor: local paths become markers (`[lane-root]`, `[target-cwd]`, `~`)
so no bundle holds an absolute home/temp path, and when repo names are redacted every spelling
of the slug becomes the lane's public label (upstream §7.6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mimetic.safety.redact import redact_text
from mimetic.safety.scan import ABSOLUTE_LOCAL_PATH

# Bare repo names this short or this generic are left alone (upstream §7.6).
GENERIC_REPO_NAMES = frozenset({"app", "web", "api", "cli", "repo", "site", "docs", "main", "next", "demo", "test"})
_LEFTOVER_LOCAL_PATH = re.compile(ABSOLUTE_LOCAL_PATH.pattern + r"[^\s'\"<>;,)\]]*")


@dataclass
class Scrubber:
    paths: dict[str, str] = field(default_factory=dict)  # absolute path -> marker
    names: list[tuple[re.Pattern[str], str]] = field(default_factory=list)

    def add_path(self, path: object, marker: str) -> Scrubber:
        text = str(path).rstrip("/")
        if len(text) > 1:
            self.paths[text] = marker
        return self

    def add_repo(self, slug: str, label: str) -> Scrubber:
        """Hide a private repo: its slug, its URL-ish forms and (when distinctive) its bare name."""
        owner, _, name = slug.partition("/")
        self.names.append((re.compile(re.escape(slug), re.IGNORECASE), label))
        self.names.append((re.compile(re.escape(f"{owner}__{name}"), re.IGNORECASE), label))
        if len(name) >= 4 and name.lower() not in GENERIC_REPO_NAMES:
            self.names.append((re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", re.IGNORECASE), label))
        return self

    def text(self, value: str | None) -> str:
        if not value:
            return value or ""
        for path in sorted(self.paths, key=len, reverse=True):
            # Whole path components only: /tmp/p must not eat the start of /tmp/playwright.
            value = re.sub(re.escape(path) + r"(?![A-Za-z0-9._-])", lambda _m, p=path: self.paths[p], value)
        for pattern, label in self.names:
            value = pattern.sub(label, value)
        # Any other home/temp path (a browser profile, a tool's cache) is reduced to a marker.
        value = _LEFTOVER_LOCAL_PATH.sub("[local-path]", value)
        return redact_text(value)

    def value(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.value(v) for v in data]
        return data


MAX_TAIL_CHARS = 16_000
TRUNCATED = "[…] "


def tail(text: str, lines: int, max_chars: int = MAX_TAIL_CHARS) -> str:
    """The last `lines` lines, and at most `max_chars` characters of them: a lane that prints 50 MB on one
    line (a progress bar without newlines) must not put 50 MB into run.json."""
    kept = text[-2 * max_chars:].splitlines()[-lines:]  # cut first, so a huge text is never split whole
    out = "\n".join(kept) + ("\n" if kept else "")
    return TRUNCATED + out[-(max_chars - len(TRUNCATED)):] if len(out) > max_chars else out


def lane_scrubber(*, lane_root: object | None, project_root: object | None, home: object | None,
                  repos: Iterable[tuple[str, str]] = ()) -> Scrubber:
    scrubber = Scrubber()
    if lane_root:
        scrubber.add_path(lane_root, "[lane-root]")
    if project_root:
        scrubber.add_path(project_root, "[target-cwd]")
    if home:
        scrubber.add_path(home, "~")
    for slug, label in repos:
        scrubber.add_repo(slug, label)
    return scrubber
