"""Phrases in actor messages and lane logs that say who owns a failure.

The app-url blocker rule is upstream's (§3.8): a blocker phrase within 220 characters of
`--app-url` / `app-url proof`, in either order, after markdown emphasis is stripped (actors
write `does **not** expose`). The environment rules name substrate and dependency failures so an
app that never started because `npm install` broke is not blamed on the app.
"""

from __future__ import annotations

import re

from mimetic.safety.redact import compact_error
from mimetic.safety.scan import ABSOLUTE_LOCAL_PATH

_ANCHOR = r"(?:--app-url|app-url proof)"
_BLOCKER = (r"(?:unknown option|unsupported|not available|"
            r"(?:does|did)\s*(?:not|nt)\s+(?:support|expose|accept))")
APP_URL_BLOCKED = re.compile(rf"{_ANCHOR}[\s\S]{{0,220}}?{_BLOCKER}|{_BLOCKER}[\s\S]{{0,220}}?{_ANCHOR}")

_SUBSTRATE = r"(?:sandbox|desktop|e2b|chromium|browser)"
SANDBOX_FAILURE = re.compile(
    rf"{_SUBSTRATE}\s+(?:\w+\s+){{0,2}}?(?:launch|start|creat|connect)\w*\s+(?:failed|error|timed out|refused|rejected)\b"
    rf"|{_SUBSTRATE}\s+(?:\w+\s+){{0,2}}?(?:failed|unable|could not|couldn't|did not|didn't) (?:to )?"
    r"(?:launch|start|be created|connect)"
    rf"|(?:failed|unable|could not|couldn't|cannot) (?:to )?(?:launch|start|create|connect)(?: to)?\s+"
    rf"(?:(?:the|an?|e2b)\s+)*{_SUBSTRATE}"
    r"|repo(?:sitory)? (?:clone )?access preflight failed",
    re.IGNORECASE,
)
CREDENTIALS_MISSING = re.compile(
    r"(?:waiting (?:on|for)|missing|requires?)\b[^.\n]{0,60}?\b(?:E2B_API_KEY|OPENAI_API_KEY|CODEX_API_KEY)",
    re.IGNORECASE,
)
DEPENDENCY_FAILURE = re.compile(
    r"npm ERR!|ERR_PNPM_\w+|\bERESOLVE\b|YN0001|No matching distribution found|"
    r"Could not find a version that satisfies|ResolutionImpossible|"
    r"(?:dependency|dependencies|package) install(?:ation)? (?:failed|error)|"
    r"\b(?:npm|pnpm|yarn|pip|uv|bun) (?:install|add|ci|sync)\b(?:(?!\.\s)[^\n;]){0,80}?"
    r"(?:\bfailed\b|\berror\b|exit(?:ed)? (?:with )?(?:code|status) [1-9])",
    re.IGNORECASE,
)

CLONE_FAILURE = re.compile(
    r"^fatal: .*|\b(?:git )?clone\b[^\n]{0,80}?\b(?:failed|error|exit(?:ed)? (?:with )?(?:code|status) [1-9])"
    r"|could not (?:clone|read from remote)|Repository not found|not a git repository|"
    r"remote: (?:Repository|Not Found|Invalid)|did not send all necessary objects|missing blob",
    re.IGNORECASE | re.MULTILINE,
)
# The last thing a tool said that reads as an error (npm ERR!, Error:, fatal:, a stack's first line).
ERROR_LINE = re.compile(r"(?:npm ERR!|ERR_[A-Z_]+|\bError\b:?|\berror\b|fatal:|FATAL|Failed to|Cannot find|EADDRINUSE)[^\n]*")

# A model or provider key that was never there: a gap in the setup, ranked after real failures.
KEY_MISSING = re.compile(
    r"\b[A-Z][A-Z0-9_]*_(?:API_KEY|TOKEN)\b[^.\n]{0,40}?\b(?:is not set|is missing|missing|not found|unset)\b"
    r"|(?:missing|no)\s+(?:model\s+|provider\s+)?(?:api\s+)?key\b",
)
# Mimetic itself ran out of time (a budget, a load or action timeout), as opposed to the app failing a check.
TIMED_OUT = re.compile(
    r"\btimed? ?out\b|\btimeout \d+ ?ms\b|\bbudget\b[^.\n]{0,80}?\b(?:ran out|exceeded|spent)|"
    r"did not (?:finish loading|settle|load) within",
    re.IGNORECASE,
)

_EMPHASIS = re.compile(r"[*_`~]+")
_LOCAL_PATH = re.compile(ABSOLUTE_LOCAL_PATH.pattern + r"[^\s\"'<>]*")


def normalise(text: str) -> str:
    text = _EMPHASIS.sub("", text.replace("\u2019", "'").replace("'", ""))
    return " ".join(text.lower().split())


def app_url_proof_blocked(texts: list[str]) -> bool:
    return any(APP_URL_BLOCKED.search(normalise(text)) for text in texts if text)


def _line_of(text: str, match: re.Match[str]) -> str:
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return public_text(text[start:end if end != -1 else len(text)], 240)


def first_match(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    """The line that tripped `pattern`, made public-safe, or None."""
    for text in texts:
        match = pattern.search(text) if text else None
        if match:
            return _line_of(text, match)
    return None


def last_match(pattern: re.Pattern[str], text: str) -> str | None:
    """The last line of `text` that trips `pattern` (a log's final error), made public-safe, or None."""
    matches = list(pattern.finditer(text or ""))
    return _line_of(text, matches[-1]) if matches else None


def public_text(text: str, limit: int) -> str:
    """One line, redacted, local paths replaced, bounded: what candidate text may carry."""
    return compact_error(_LOCAL_PATH.sub("[local-path]", text or ""), limit)
