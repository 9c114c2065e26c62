"""The five `mimetic feedback` steps, each returning a `mimetic.feedback-result.v1` or raising MimeticError.

list     candidates (derived and stored in run.json) ranked, plus existing drafts
draft    the strongest usable candidate (or `--candidate ID`, or the dry-run fallback) -> feedback/draft.json
verify   draft gates, then the bundle's own verification, then feedback/draft.json
issue    verify, then feedback/issue.md (Markdown only)
issue-url  issue, then a prefilled github.com/<owner>/<repo>/issues/new URL
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import ValidationError

from mimetic.bundle.store import RunStore, resolve_run
from mimetic.bundle.verify import verify_store
from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.feedback import FeedbackDraft
from mimetic.contracts.feedback_results import DraftEntry, FeedbackResult, RankedCandidate
from mimetic.errors import MimeticError
from mimetic.feedback.candidates import sync_candidates
from mimetic.feedback.draft import DRAFT_PATH, draft_from_candidate, fallback_draft, find_candidate, write_draft
from mimetic.feedback.gates import draft_problems
from mimetic.feedback.issue import ISSUE_PATH, issue_markdown, issue_url
from mimetic.feedback.ranking import ranked
from mimetic.project import Project
from mimetic.safety.slugs import validate_slug

SUPPORTED_FORMATS = ("markdown",)


@dataclass
class FeedbackRun:
    project: Project
    label: str  # what --run said ("latest" or an id)
    store: RunStore
    bundle: RunBundle
    ranking: list[RankedCandidate]

    def result(self, command: str, *, ok: bool = True, **fields) -> FeedbackResult:
        return FeedbackResult(ok=ok, command=command, cwd=str(self.project.root), run=self.label,
                              run_id=self.bundle.run_id, mode=self.bundle.mode, **fields)

    def choose(self, candidate_id: str | None) -> tuple[FeedbackDraft, str | None]:
        """(draft, source candidate id): the named candidate, else the strongest usable one, else the fallback."""
        if candidate_id:
            candidate = find_candidate(self.bundle, [r.candidate for r in self.ranking], candidate_id)
            return draft_from_candidate(self.store, candidate), candidate.id
        for entry in self.ranking:
            if entry.usable:
                return draft_from_candidate(self.store, entry.candidate), entry.candidate.id
        return fallback_draft(self.store, self.bundle), None

    def bundle_failures(self) -> list[str]:
        result = verify_store(self.project, self.store, self.label)
        return [f"{check.name}: {check.message}" for check in result.checks if not check.ok]

    def require_verified_bundle(self, command: str) -> None:
        failures = self.bundle_failures()
        if failures:
            raise MimeticError("MIMETIC_INVALID_RUN_BUNDLE", "Run bundle failed verification: " + " | ".join(failures),
                               result=self.result(command, ok=False, problems=failures))


def open_feedback_run(project: Project, run: str | None) -> FeedbackRun:
    store = resolve_run(project, run)
    bundle = sync_candidates(store, store.load_bundle())
    ranking = []
    for rank, candidate in enumerate(ranked(bundle, bundle.feedback_candidates), start=1):
        problems = draft_problems(store, bundle, draft_from_candidate(store, candidate))
        ranking.append(RankedCandidate(rank=rank, usable=not problems, problems=problems, candidate=candidate))
    return FeedbackRun(project=project, label=run or "latest", store=store, bundle=bundle, ranking=ranking)


def _existing_drafts(store: RunStore) -> tuple[list[DraftEntry], list[str], FeedbackDraft | None]:
    path = store.dir / DRAFT_PATH
    if not path.is_file():
        return [], [], None
    try:
        draft = FeedbackDraft.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError):
        return [], [f"{store.artifact_root}/{DRAFT_PATH} is not a valid mimetic.feedback.v1 draft; run `mimetic feedback draft`."], None
    entry = DraftEntry(path=f"{store.artifact_root}/{DRAFT_PATH}", idempotency_key=draft.idempotency_key,
                       source_candidate_id=draft.source_candidate_id, failure_owner=draft.failure_owner,
                       summary=draft.summary)
    return [entry], [], draft


def list_feedback(project: Project, run: str | None) -> FeedbackResult:
    opened = open_feedback_run(project, run)
    drafts, warnings, draft = _existing_drafts(opened.store)
    failures = opened.bundle_failures()
    if failures:
        warnings.append("Run bundle fails verification, so draft/verify/issue will refuse it: " + " | ".join(failures))
    # 0.1.5's list answers with the written draft itself (`draft`, `draftPath`)
    return opened.result("list", candidates=opened.ranking, drafts=drafts, warnings=warnings, draft=draft,
                         draft_path=drafts[0].path if drafts else None)


def draft_feedback(project: Project, run: str | None, candidate_id: str | None) -> FeedbackResult:
    opened = open_feedback_run(project, run)
    opened.require_verified_bundle("draft")
    draft, source = opened.choose(candidate_id)
    problems = draft_problems(opened.store, opened.bundle, draft)
    warnings = ["This draft will not pass `mimetic feedback verify`: " + "; ".join(problems)] if problems else []
    path = write_draft(opened.store, draft)
    return opened.result("draft", candidate_id=source, fallback=source is None, draft_path=path, draft=draft,
                         problems=problems, warnings=warnings)


def _verified(opened: FeedbackRun, command: str, candidate_id: str | None) -> FeedbackResult:
    """Gate the draft first (so its own problems are named as such), then the bundle, then write it."""
    draft, source = opened.choose(candidate_id)
    problems = draft_problems(opened.store, opened.bundle, draft)
    if problems:
        which = f"candidate {source}" if source else "the dry-run contract-proof fallback"
        raise MimeticError(
            "MIMETIC_INVALID_FEEDBACK_DRAFT", f"Feedback draft from {which} failed verification: " + "; ".join(problems),
            result=opened.result(command, ok=False, candidate_id=source, fallback=source is None, problems=problems))
    opened.require_verified_bundle(command)
    path = write_draft(opened.store, draft)
    return opened.result(command, candidate_id=source, fallback=source is None, draft_path=path, draft=draft)


def verify_feedback(project: Project, run: str | None, candidate_id: str | None) -> FeedbackResult:
    return _verified(open_feedback_run(project, run), "verify", candidate_id)


def _issue(project: Project, run: str | None, candidate_id: str | None, repo: str, command: str) -> FeedbackResult:
    validate_slug(repo)
    opened = open_feedback_run(project, run)
    result = _verified(opened, command, candidate_id)
    markdown = issue_markdown(result.draft, repo)
    opened.store.write_text(ISSUE_PATH, markdown)
    return result.model_copy(update={"repo": repo, "issue_path": f"{opened.store.artifact_root}/{ISSUE_PATH}",
                                     "issue_markdown": markdown})


def issue_feedback(project: Project, run: str | None, candidate_id: str | None, repo: str,
                   fmt: str = "markdown") -> FeedbackResult:
    if fmt not in SUPPORTED_FORMATS:
        raise MimeticError("MIMETIC_UNSUPPORTED_FORMAT", "Only --format markdown is supported.")
    return _issue(project, run, candidate_id, repo, "issue")


def issue_url_feedback(project: Project, run: str | None, candidate_id: str | None, repo: str) -> FeedbackResult:
    result = _issue(project, run, candidate_id, repo, "issue-url")
    url, shortened = issue_url(result.draft, repo, result.issue_markdown, result.issue_path)
    return result.model_copy(update={"issue_url": url, "issue_url_shortened": shortened})
