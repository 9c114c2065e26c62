"""Issue Markdown and the prefilled new-issue URL."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures.feedback_bundles import acceptance_two
from ruamel.yaml import YAML

from mimetic.feedback.candidates import derive_candidates
from mimetic.feedback.draft import draft_from_candidate, scrub_closing_keywords
from mimetic.feedback.issue import MAX_URL_CHARS, issue_markdown, issue_url

CLOSING = re.compile(r"\bclose[sd]?\b|\bfix(?:e[sd])?\s*#", re.IGNORECASE)


def _draft(project: Path):
    store = acceptance_two(project).write()
    candidate = next(c for c in derive_candidates(store, store.load_bundle()) if c.failure_owner == "target-app")
    return store, candidate


def test_markdown_has_every_section_evidence_lines_and_a_parseable_feedback_block(project: Path) -> None:
    store, candidate = _draft(project)
    draft = draft_from_candidate(store, candidate)
    markdown = issue_markdown(draft, "example/app")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["## Summary", "## Expected", "## Actual", "## Evidence", "## Filing Notes"]
    assert "- Trace of the desktop viewport: every step, its checks and what the page logged: `traces/desktop.json` (trace)" in markdown
    assert "are not attached to this issue" in markdown  # the reader is told the files are local
    for note in ("- Repository: example/app", "- GitHub mutation: not performed", "- Substrate: local-browser",
                 "- Production data: not used"):
        assert note in markdown
    block = markdown.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert block.startswith("mimetic_feedback:")
    assert YAML(typ="safe").load(block)["mimetic_feedback"] == draft.to_json()


def test_closing_keywords_are_scrubbed_from_candidate_text(project: Path) -> None:
    store, candidate = _draft(project)
    candidate = candidate.model_copy(update={
        "summary": "The Close button closes nothing", "actual": "Dialog never closed; fixes #12 would help",
        "expected": "close the dialog"})
    markdown = issue_markdown(draft_from_candidate(store, candidate), "example/app")
    assert not CLOSING.search(markdown)
    assert "The Shut button shuts nothing" in markdown and "see #12" in markdown
    assert scrub_closing_keywords("enclosed closet") == "enclosed closet"  # only whole words


@pytest.mark.parametrize(("text", "scrubbed"), [
    ("Fixes: #3", "see: #3"), ("resolved octo/app#4", "see octo/app#4"),
    ("fixed https://github.com/octo/app/issues/9", "see https://github.com/octo/app/issues/9"),
])
def test_linking_words_before_any_issue_reference_form_are_scrubbed(text: str, scrubbed: str) -> None:
    assert scrub_closing_keywords(text) == scrubbed
    assert scrub_closing_keywords("the fix is easy") == "the fix is easy"  # no reference, nothing to link


def test_url_targets_the_repo_new_issue_page_and_decodes_to_the_markdown(project: Path) -> None:
    store, candidate = _draft(project)
    draft = draft_from_candidate(store, candidate)
    markdown = issue_markdown(draft, "example/app")
    url, shortened = issue_url(draft, "example/app", markdown, f"{store.artifact_root}/feedback/issue.md")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "github.com", "/example/app/issues/new")
    query = parse_qs(parts.query)
    assert query["title"] == [f"[Mimetic] {draft.summary}"]
    assert query["body"] == [markdown] and not shortened


def test_long_body_is_shortened_to_a_pointer_at_issue_md(project: Path) -> None:
    store, candidate = _draft(project)
    draft = draft_from_candidate(store, candidate).model_copy(update={"actual": "step failed again. " * 600})
    markdown = issue_markdown(draft, "example/app")
    issue_path = f"{store.artifact_root}/feedback/issue.md"
    url, shortened = issue_url(draft, "example/app", markdown, issue_path)
    assert shortened and len(url) <= MAX_URL_CHARS
    body = parse_qs(urlsplit(url).query)["body"][0]
    assert f"`{issue_path}`" in body and "mimetic_feedback:" in body and draft.idempotency_key in body
