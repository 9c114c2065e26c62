"""`mimetic.feedback.v1` drafts: built from one candidate, or the dry-run contract-proof fallback.

A draft is a pure function of the bundle and the candidate: no timestamps, fixed field order, so
drafting the same run twice gives a byte-identical `feedback/draft.json`.
"""

from __future__ import annotations

import re

from mimetic.bundle.store import RunStore
from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.feedback import FeedbackCandidate, FeedbackDraft, FeedbackEvidence
from mimetic.errors import MimeticError
from mimetic.feedback.candidates import adapter_id, common_proof
from mimetic.bundle.store import is_relative_path

DRAFT_PATH = "feedback/draft.json"
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


def _rooted(store: RunStore, path: str) -> str:
    """Candidate paths are run-relative; draft paths are project-relative. A path that is not
    clean is kept as written, so verify can name exactly what the candidate claimed."""
    return f"{store.artifact_root}/{path}" if is_relative_path(path) else path


def _source_bundle(store: RunStore) -> FeedbackEvidence:
    return FeedbackEvidence(path=f"{store.artifact_root}/run.json", kind="state", note="Source run bundle")


def draft_from_candidate(store: RunStore, candidate: FeedbackCandidate) -> FeedbackDraft:
    source = _source_bundle(store)
    evidence = {source.path: source}
    for item in candidate.evidence:
        path = _rooted(store, item.path)
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
                  FeedbackEvidence(path=f"{store.artifact_root}/review.md", kind="review",
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


def write_draft(store: RunStore, draft: FeedbackDraft) -> str:
    store.write_json(DRAFT_PATH, draft.to_json())
    return f"{store.artifact_root}/{DRAFT_PATH}"
