"""A verified draft as GitHub issue Markdown and as a prefilled `issues/new` URL.

Nothing is sent anywhere: the Markdown is written to `feedback/<candidate-id>/issue.md` and the URL is printed
for a person to open. No GitHub API call and no token, ever.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from mimetic.contracts.feedback import FeedbackDraft
from mimetic.feedback.draft import scrub_closing_keywords

MAX_URL_CHARS = 8000
MAX_TITLE_CHARS = 200
_URL_SAFE = "-_.!~*'()"  # what encodeURIComponent leaves alone


def _yaml_scalar(value: Any) -> str:
    # JSON strings, numbers, booleans and null are valid YAML flow scalars: no quoting rules to get wrong.
    return json.dumps(value, ensure_ascii=False)


def _yaml_lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml_lines(item, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_yaml_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                nested = _yaml_lines(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    return lines


def feedback_yaml(fields: dict[str, Any]) -> str:
    return "\n".join(["```yaml", "mimetic_feedback:", *_yaml_lines(fields, 2), "```"])


def _preamble(draft: FeedbackDraft, repo: str) -> str:
    return (f"> Drafted by Mimetic from a verified Mimetic run bundle (run `{draft.run_id}`) as a public-safe "
            f"report that contributes to `{repo}`. Mimetic did not mutate GitHub, commit code, or claim unobserved "
            "product behavior.")


def issue_markdown(draft: FeedbackDraft, repo: str) -> str:
    text = scrub_closing_keywords
    evidence = [f"- {text(item.note)}: `{item.path}` ({item.kind})" for item in draft.evidence]
    local = (f"These files are local to the Mimetic run bundle of run `{draft.run_id}` (paths are relative to it) "
             "and are not attached to this issue. `mimetic feedback export --candidate "
             f"{draft.source_candidate_id or 'ID'}` copies the redacted ones a person may choose to attach.")
    lines = [
        _preamble(draft, repo), "",
        "## Summary", "", text(draft.summary), "",
        "## Expected", "", text(draft.expected), "",
        "## Actual", "", text(draft.actual), "",
        "## Evidence", "", local, "", *evidence, "",
        "## Filing Notes", "",
        f"- Repository: {repo}",
        "- GitHub mutation: not performed",
        f"- Substrate: {draft.substrate}",
        "- Production data: not used",
        f"- Failure owner: {draft.failure_owner}; proposed next state: {draft.proposed_next_state}",
        f"- Idempotency key: `{draft.idempotency_key}` (search open issues for it before filing)",
        "",
        feedback_yaml(draft.to_json()),
    ]
    return "\n".join(lines) + "\n"


def _short_markdown(draft: FeedbackDraft, repo: str, issue_path: str) -> str:
    """For URLs that would pass the limit: the summary, a pointer to the full file, and the keys that dedupe."""
    keys = {name: getattr(draft, name) for name in ("run_id", "failure_owner", "idempotency_key", "source_bundle")}
    return "\n".join([
        _preamble(draft, repo), "",
        "## Summary", "", scrub_closing_keywords(draft.summary), "",
        f"The full draft (expected, actual, evidence and filing notes) is too long for a URL. It is in "
        f"`{issue_path}` beside the run bundle; paste it here when filing.", "",
        feedback_yaml(keys),
    ]) + "\n"


def _encode(text: str) -> str:
    return quote(text, safe=_URL_SAFE)


def issue_url(draft: FeedbackDraft, repo: str, markdown: str, issue_path: str) -> tuple[str, bool]:
    """(url, shortened). `repo` must already be a validated owner/repo slug."""
    owner, name = repo.split("/", 1)
    title = " ".join(f"[Mimetic] {scrub_closing_keywords(draft.summary)}".split())[:MAX_TITLE_CHARS]
    base = f"https://github.com/{_encode(owner)}/{_encode(name)}/issues/new?title={_encode(title)}&body="
    url = base + _encode(markdown)
    if len(url) <= MAX_URL_CHARS:
        return url, False
    return base + _encode(_short_markdown(draft, repo, issue_path)), True
