"""The `mimetic feedback` steps, each returning a `mimetic.feedback-result.v1` or raising MimeticError.

list     candidates (derived and stored in run.json) ranked, plus existing drafts
draft    the strongest usable candidate (or `--candidate ID`, or the dry-run fallback) -> feedback/<id>/draft.json
verify   draft gates, then the bundle's own verification, then feedback/<id>/draft.json
issue    verify, then feedback/<id>/issue.md (Markdown only); `--all` does it for every usable candidate
issue-url  issue, then a prefilled github.com/<owner>/<repo>/issues/new URL
export   verify, then a small folder with the draft, the issue text and only the redacted evidence files
A draft file that already holds something else is never replaced without `force`.
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
from mimetic.feedback.draft import (
    DRAFT_FILE, FEEDBACK_DIR, ISSUE_FILE, draft_folder, draft_from_candidate, draft_key, draft_text, fallback_draft,
    find_candidate, write_draft, write_once,
)
from mimetic.feedback.gates import draft_problems
from mimetic.feedback.issue import issue_markdown, issue_url
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
    """Every `feedback/<id>/draft.json` of the run, in folder order, and the last one read."""
    entries, warnings, last = [], [], None
    folder = store.dir / FEEDBACK_DIR
    for path in sorted(folder.glob(f"*/{DRAFT_FILE}")) if folder.is_dir() else []:
        shown = f"{store.artifact_root}/{FEEDBACK_DIR}/{path.parent.name}/{DRAFT_FILE}"
        try:
            draft = FeedbackDraft.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, ValidationError):
            warnings.append(f"{shown} is not a valid mimetic.feedback.v1 draft; run `mimetic feedback draft`.")
            continue
        last = draft
        issue = path.parent / ISSUE_FILE
        entries.append(DraftEntry(path=shown, idempotency_key=draft.idempotency_key,
                                  source_candidate_id=draft.source_candidate_id, failure_owner=draft.failure_owner,
                                  summary=draft.summary,
                                  issue_path=f"{store.artifact_root}/{FEEDBACK_DIR}/{path.parent.name}/{ISSUE_FILE}"
                                  if issue.is_file() else None))
    return entries, warnings, last


def list_feedback(project: Project, run: str | None) -> FeedbackResult:
    opened = open_feedback_run(project, run)
    drafts, warnings, draft = _existing_drafts(opened.store)
    failures = opened.bundle_failures()
    if failures:
        warnings.append("Run bundle fails verification, so draft/verify/issue will refuse it: " + " | ".join(failures))
    # 0.1.5's list answers with the written draft itself (`draft`, `draftPath`)
    return opened.result("list", candidates=opened.ranking, drafts=drafts, warnings=warnings, draft=draft,
                         draft_path=drafts[0].path if drafts else None)


def draft_feedback(project: Project, run: str | None, candidate_id: str | None, force: bool = False) -> FeedbackResult:
    opened = open_feedback_run(project, run)
    opened.require_verified_bundle("draft")
    draft, source = opened.choose(candidate_id)
    problems = draft_problems(opened.store, opened.bundle, draft)
    warnings = ["This draft will not pass `mimetic feedback verify`: " + "; ".join(problems)] if problems else []
    path = write_draft(opened.store, draft, force=force)
    return opened.result("draft", candidate_id=source, fallback=source is None, draft_path=path, draft=draft,
                         problems=problems, warnings=warnings)


def _gated(opened: FeedbackRun, command: str, candidate_id: str | None) -> tuple[FeedbackDraft, str | None]:
    """The chosen draft after its gates (so its own problems are named as such), then the bundle's."""
    draft, source = opened.choose(candidate_id)
    problems = draft_problems(opened.store, opened.bundle, draft)
    if problems:
        which = f"candidate {source}" if source else "the dry-run contract-proof fallback"
        raise MimeticError(
            "MIMETIC_INVALID_FEEDBACK_DRAFT", f"Feedback draft from {which} failed verification: " + "; ".join(problems),
            result=opened.result(command, ok=False, candidate_id=source, fallback=source is None, problems=problems))
    opened.require_verified_bundle(command)
    return draft, source


def verify_feedback(project: Project, run: str | None, candidate_id: str | None, force: bool = False) -> FeedbackResult:
    opened = open_feedback_run(project, run)
    draft, source = _gated(opened, "verify", candidate_id)
    path = write_draft(opened.store, draft, force=force)
    return opened.result("verify", candidate_id=source, fallback=source is None, draft_path=path, draft=draft)


def _write_issue(opened: FeedbackRun, draft: FeedbackDraft, repo: str, force: bool) -> tuple[str, str, str]:
    """(draft path, issue path, markdown): draft.json and issue.md side by side, both or neither replaced."""
    folder = draft_folder(draft_key(draft))
    markdown = issue_markdown(draft, repo)
    write_once(opened.store, {f"{folder}/{DRAFT_FILE}": draft_text(draft), f"{folder}/{ISSUE_FILE}": markdown},
               force=force)
    root = opened.store.artifact_root
    return f"{root}/{folder}/{DRAFT_FILE}", f"{root}/{folder}/{ISSUE_FILE}", markdown


def _issue(project: Project, run: str | None, candidate_id: str | None, repo: str, command: str,
           force: bool) -> FeedbackResult:
    validate_slug(repo)
    opened = open_feedback_run(project, run)
    draft, source = _gated(opened, command, candidate_id)
    draft_path, issue_path, markdown = _write_issue(opened, draft, repo, force)
    return opened.result(command, candidate_id=source, fallback=source is None, draft_path=draft_path, draft=draft,
                         repo=repo, issue_path=issue_path, issue_markdown=markdown)


def _check_format(fmt: str) -> None:
    if fmt not in SUPPORTED_FORMATS:
        raise MimeticError("MIMETIC_UNSUPPORTED_FORMAT", "Only --format markdown is supported.")


def issue_feedback(project: Project, run: str | None, candidate_id: str | None, repo: str,
                   fmt: str = "markdown", force: bool = False) -> FeedbackResult:
    _check_format(fmt)
    return _issue(project, run, candidate_id, repo, "issue", force)


def issue_all_feedback(project: Project, run: str | None, repo: str, fmt: str = "markdown",
                       force: bool = False) -> FeedbackResult:
    """One draft and issue per usable candidate (the fallback when there is none); unusable ones are named."""
    _check_format(fmt)
    validate_slug(repo)
    opened = open_feedback_run(project, run)
    usable = [entry.candidate.id for entry in opened.ranking if entry.usable]
    skipped = [f"candidate {entry.candidate.id} was not drafted: " + "; ".join(entry.problems)
               for entry in opened.ranking if not entry.usable]
    written = []
    opened.require_verified_bundle("issue")
    for candidate_id in usable or [None]:
        draft, source = opened.choose(candidate_id)
        draft_path, issue_path, _ = _write_issue(opened, draft, repo, force)
        written.append(DraftEntry(path=draft_path, idempotency_key=draft.idempotency_key, source_candidate_id=source,
                                  failure_owner=draft.failure_owner, summary=draft.summary, issue_path=issue_path))
    return opened.result("issue", fallback=not usable, repo=repo, drafts=written, warnings=skipped)


def issue_url_feedback(project: Project, run: str | None, candidate_id: str | None, repo: str,
                       force: bool = False) -> FeedbackResult:
    result = _issue(project, run, candidate_id, repo, "issue-url", force)
    url, shortened = issue_url(result.draft, repo, result.issue_markdown, result.issue_path)
    return result.model_copy(update={"issue_url": url, "issue_url_shortened": shortened})


def export_feedback(project: Project, run: str | None, candidate_id: str | None, out: str | None,
                    force: bool = False) -> FeedbackResult:
    """The draft, its issue text and only the evidence files a person may attach, in one small folder."""
    from mimetic.feedback.export import export_folder

    opened = open_feedback_run(project, run)
    draft, source = _gated(opened, "export", candidate_id)
    target, files, skipped = export_folder(project, opened.store, draft, out, force=force)
    return opened.result("export", candidate_id=source, fallback=source is None, draft=draft,
                         export_path=project.relative(target), exported=files, warnings=skipped)
