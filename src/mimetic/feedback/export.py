"""`mimetic feedback export`: a small folder a person may attach to the issue they file.

Only the draft's own evidence goes in, never the whole run: screenshots as they are, text evidence
(traces, logs, reports) redacted again and left out when anything still looks like a secret or a
local path. The run bundle itself (`run.json`, the review, events) stays behind: it holds every lane.
Files keep their run-relative paths, so the draft's evidence list names them as they are here.
"""

from __future__ import annotations

from pathlib import Path

from mimetic.bundle.store import RunStore, atomic_write_bytes, atomic_write_text, is_relative_path
from mimetic.contracts.feedback import FeedbackDraft
from mimetic.errors import MimeticError
from mimetic.feedback.draft import draft_folder, draft_key, draft_text
from mimetic.project import Project
from mimetic.safety.redact import redact_text
from mimetic.safety.scan import scan_text

MAX_FILE_BYTES = 2 * 1024 * 1024
LEFT_BEHIND = frozenset({"state", "review"})  # the run bundle and its review describe every lane


def _inside(store: RunStore, relative: str) -> Path | None:
    """The evidence file, if it is a regular file inside the run reached without a symlink."""
    if not is_relative_path(relative):
        return None
    parts = Path(relative).parts
    steps = [store.dir.joinpath(*parts[:i + 1]) for i in range(len(parts))]
    if any(step.is_symlink() for step in steps) or not steps[-1].is_file():
        return None
    return steps[-1]


def _readme(draft: FeedbackDraft, files: list[tuple[str, str]]) -> str:
    lines = [f"# Evidence for: {draft.summary}", "",
             f"From Mimetic run `{draft.run_id}`, candidate `{draft_key(draft)}`. Each file was redacted when the",
             "run wrote it; text files were scanned again for this folder. Look at each before you attach it.", ""]
    lines += [f"- `{path}`: {note}" for path, note in files]
    return "\n".join(lines) + "\n"


def default_target(project: Project, store: RunStore, draft: FeedbackDraft) -> Path:
    name = draft_folder(draft_key(draft)).rsplit("/", 1)[-1]
    return project.runtime_dir / "exports" / f"feedback-{store.run_id}-{name}"


def export_folder(project: Project, store: RunStore, draft: FeedbackDraft, out: str | None, *,
                  force: bool) -> tuple[Path, list[str], list[str]]:
    """(folder, files written relative to it, evidence left out and why)."""
    target = (project.root / out) if out else default_target(project, store, draft)
    if target.exists() and any(target.iterdir() if target.is_dir() else [target]) and not force:
        raise MimeticError("MIMETIC_FEEDBACK_DRAFT_EXISTS",
                           f"{project.relative(target)} already exists; it was left as it is. Pass --force to write into it.")
    copied: list[tuple[str, str]] = []
    skipped: list[str] = []
    for item in draft.evidence:
        if item.kind in LEFT_BEHIND:
            continue
        source = _inside(store, item.path)
        if source is None:
            skipped.append(f"{item.path} was left out: not a regular file inside the run.")
            continue
        if source.stat().st_size > MAX_FILE_BYTES:
            skipped.append(f"{item.path} was left out: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            continue
        if item.kind == "screenshot":
            atomic_write_bytes(_prepare(target / item.path), source.read_bytes())
        else:
            text = redact_text(source.read_text(encoding="utf-8", errors="replace"))
            if scan_text(text):
                skipped.append(f"{item.path} was left out: it still trips the redaction scan ({', '.join(sorted(set(scan_text(text))))}).")
                continue
            atomic_write_text(_prepare(target / item.path), text)
        copied.append((item.path, item.note))
    atomic_write_text(_prepare(target / "draft.json"), draft_text(draft))
    atomic_write_text(target / "README.md", _readme(draft, copied))
    return target, ["README.md", "draft.json", *(path for path, _ in copied)], skipped


def _prepare(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
