"""`mimetic.feedback.v1` drafts: built from one candidate, or the dry-run contract-proof fallback.

A draft is a pure function of the bundle and the candidate: no timestamps, fixed field order, so
drafting the same run twice gives a byte-identical `feedback/<candidate-id>/draft.json`. Each
candidate has its own folder, and a file that already holds something else is never replaced
without `--force`. Evidence paths are run-relative (`screenshots/mobile-add.png`): the files are
local to the run bundle, and the person filing decides what to attach.
"""

from __future__ import annotations

import hashlib
import json
import re

from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.feedback import FeedbackCandidate, FeedbackDraft, FeedbackEvidence
from mimetic.errors import MimeticError
from mimetic.feedback.candidates import adapter_id, common_proof
from mimetic.bundle.store import is_relative_path
from mimetic.safety.redact import redact_text

FEEDBACK_DIR = "feedback"
DRAFT_FILE = "draft.json"
ISSUE_FILE = "issue.md"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
FALLBACK_KIND = "dry-run-contract-proof"
FALLBACK_SUMMARY = "Dry-run contract proof needs product-evidence follow-up"

# GitHub closes issues on "close/closes/closed/fix/fixes/fixed/resolve(s/d)" before a reference:
# `#N`, `owner/repo#N` or an issue URL, optionally after a colon. A draft must never carry one, even
# when an actor's words do ("the Close button ...").
_CLOSE_WORD = re.compile(r"\b(close|closes|closed)\b", re.IGNORECASE)
_CLOSE_REPLACEMENT = {"close": "shut", "closes": "shuts", "closed": "shut"}
_LINKING_WORD = re.compile(r"\b(?:fix|fixes|fixed|resolve|resolves|resolved)"
                           r"(\s*:?\s*(?:(?:[\w.-]+/[\w.-]+)?#|https?://\S*/issues/\d))", re.IGNORECASE)


def scrub_closing_keywords(text: str) -> str:
    def close(match: re.Match[str]) -> str:
        word = match.group(1)
        replacement = _CLOSE_REPLACEMENT[word.lower()]
        return replacement.capitalize() if word[0].isupper() else replacement

    return _LINKING_WORD.sub(r"see\1", _CLOSE_WORD.sub(close, text))


def draft_folder(draft_key: str) -> str:
    """`feedback/<candidate-id>` (run-relative); an id that is not a plain file name gets a stable hash."""
    name = draft_key if _SAFE_ID.match(draft_key) and ".." not in draft_key else \
        "candidate-" + hashlib.sha256(draft_key.encode("utf-8")).hexdigest()[:16]
    return f"{FEEDBACK_DIR}/{name}"


def draft_key(draft: FeedbackDraft) -> str:
    return draft.source_candidate_id or FALLBACK_KIND


def _run_relative(store: RunStore, path: str) -> str:
    """Candidate paths are run-relative; an older project-relative path is brought back into the run.
    A path that is not clean is kept as written, so verify can name exactly what the candidate claimed."""
    root = f"{store.artifact_root}/"
    return path[len(root):] if path.startswith(root) and is_relative_path(path[len(root):]) else path


def _source_bundle(store: RunStore) -> FeedbackEvidence:
    return FeedbackEvidence(path="run.json", kind="state", note=f"Run bundle of run {store.run_id} (all lanes, verifiable with mimetic verify)")


def draft_from_candidate(store: RunStore, candidate: FeedbackCandidate) -> FeedbackDraft:
    source = _source_bundle(store)
    evidence = {source.path: source}
    for item in candidate.evidence:
        path = _run_relative(store, item.path)
        evidence.setdefault(path, FeedbackEvidence(path=path, kind=item.kind, note=scrub_closing_keywords(item.note)))
    return FeedbackDraft(
        run_id=candidate.run_id, source_candidate_id=candidate.id, adapter_id=candidate.adapter_id,
        scenario_id=candidate.scenario_id, persona_id=candidate.persona_id, actor=candidate.actor,
        substrate=candidate.substrate, failure_owner=candidate.failure_owner, severity=candidate.severity,
        summary=scrub_closing_keywords(candidate.summary), expected=scrub_closing_keywords(candidate.expected),
        actual=scrub_closing_keywords(candidate.actual), source_bundle=source.path,
        evidence=list(evidence.values()), redaction=candidate.redaction, idempotency_key=candidate.idempotency_key,
        proposed_next_state=candidate.proposed_next_state,
        acceptance_proof=[scrub_closing_keywords(proof) for proof in candidate.acceptance_proof],
    )


def fallback_draft(store: RunStore, bundle: RunBundle) -> FeedbackDraft:
    """Upstream's follow-up when a run has no candidate: ask for product evidence the run lacks."""
    observed = "a dry-run: contract evidence only" if bundle.mode == "dry-run" else \
        f"a live run with verdict {bundle.review.verdict} and no feedback candidate"
    source = _source_bundle(store)
    return FeedbackDraft(
        run_id=bundle.run_id, adapter_id=adapter_id(bundle), scenario_id=bundle.scenario.id,
        persona_id=bundle.persona.id, actor="synthetic-dry-run", substrate="local-filesystem",
        failure_owner="harness", severity="low", summary=FALLBACK_SUMMARY,
        expected="A live run (`mimetic run --app-url <url>` or a live lab) records browser, actor or app evidence "
                 "for this scenario.",
        actual=scrub_closing_keywords(f"Run {bundle.run_id} is {observed}. {bundle.review.summary}"),
        source_bundle=source.path,
        evidence=[source,
                  FeedbackEvidence(path="review.md", kind="review",
                                   note="Run review with the gaps left by contract proof")],
        idempotency_key=f"mimetic:{bundle.run_id}:{FALLBACK_KIND}", proposed_next_state="watch",
        acceptance_proof=common_proof(bundle.run_id),
    )


def find_candidate(bundle: RunBundle, candidates: list[FeedbackCandidate], candidate_id: str) -> FeedbackCandidate:
    for candidate in candidates:
        if candidate.id == candidate_id:
            return candidate
    known = ", ".join(c.id for c in candidates) or "none"
    raise MimeticError("MIMETIC_FEEDBACK_CANDIDATE_NOT_FOUND",
                       f"No feedback candidate {candidate_id!r} in run {bundle.run_id} (candidates: {known}).")


def _differs(path, text: str) -> bool:
    # The store redacts what it writes; compare with what it would write.
    return path.is_file() and path.read_text(encoding="utf-8", errors="replace") != redact_text(text)


def write_once(store: RunStore, files: dict[str, str], *, force: bool) -> None:
    """Write run-relative text files; one that exists with other content is an error unless `force`."""
    changed = [relative for relative, text in files.items() if _differs(store.dir / relative, text)]
    if changed and not force:
        raise MimeticError("MIMETIC_FEEDBACK_DRAFT_EXISTS",
                           f"{', '.join(f'{store.artifact_root}/{r}' for r in changed)} already holds a different "
                           "draft (edited by hand, or the evidence changed); it was left as it is. "
                           "Pass --force to replace it.")
    for relative, text in files.items():
        store.write_text(relative, text)


def draft_text(draft: FeedbackDraft) -> str:
    return json.dumps(draft.to_json(), indent=2, ensure_ascii=False) + "\n"


def write_draft(store: RunStore, draft: FeedbackDraft, *, force: bool = False) -> str:
    """`feedback/<candidate-id>/draft.json`; returns its project-relative path."""
    relative = f"{draft_folder(draft_key(draft))}/{DRAFT_FILE}"
    write_once(store, {relative: draft_text(draft)}, force=force)
    return f"{store.artifact_root}/{relative}"
