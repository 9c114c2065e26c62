"""The `.gitignore` block that keeps `.mimetic/` and local env files out of git."""

from __future__ import annotations

BLOCK_HEADER = "# Mimetic runtime and local secrets"
RUNTIME_PATTERN = ".mimetic/"
ENV_PATTERN = ".env*"
ENV_EXAMPLE_PATTERN = "!.env.example"
# Spellings of the runtime rule that ignore the same directory.
RUNTIME_SPELLINGS = frozenset({".mimetic", ".mimetic/", "/.mimetic", "/.mimetic/"})


def _rules(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def ignores_runtime(text: str) -> bool:
    return any(rule in RUNTIME_SPELLINGS for rule in _rules(text))


def missing_rules(text: str) -> list[str]:
    """Rules the block must add, in block order.

    `!.env.example` only works after the last `.env*` (git applies the last matching rule), so it is
    added again when it appears earlier, or when `.env*` itself is being appended.
    """
    rules = _rules(text)
    missing = []
    if not ignores_runtime(text):
        missing.append(RUNTIME_PATTERN)
    if ENV_PATTERN not in rules:
        missing.append(ENV_PATTERN)
        missing.append(ENV_EXAMPLE_PATTERN)
    else:
        last_env = max(i for i, rule in enumerate(rules) if rule == ENV_PATTERN)
        if ENV_EXAMPLE_PATTERN not in rules[last_env + 1:]:
            missing.append(ENV_EXAMPLE_PATTERN)
    return missing


def patched(text: str, missing: list[str]) -> str:
    """`text` with the Mimetic block appended (separated by a blank line from earlier content)."""
    prefix = text
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"
    if prefix.strip():
        prefix += "\n"
    return prefix + "\n".join([BLOCK_HEADER, *missing]) + "\n"
