"""Every file mimetic writes under `.mimetic/` goes through here: redacted, contained, atomic."""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from mimetic.clock import now_iso
from mimetic.contracts.bundle import LatestRun, Review, RunBundle
from mimetic.errors import MimeticError
from mimetic.project import Project, refuse_symlinked_planes
from mimetic.safety.redact import redact_text, redact_value

RUN_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")


def validate_run_id(run_id: str) -> str:
    if not RUN_ID_PATTERN.match(run_id or ""):
        raise MimeticError(
            "MIMETIC_INVALID_RUN_ID",
            f"Run ids are lower-case letters, digits and dashes (at most 128): {redact_text(run_id)!r}",
        )
    return run_id


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write-temp-then-rename, so a reader (or a crash) never sees a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, redact_text(text).encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    text = json.dumps(redact_value(data), indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))


def is_relative_path(path: str) -> bool:
    """The textual rule every run-relative path obeys: not empty or absolute, no `..`, no URL, no backslash."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "://" not in path and "\\" not in path


def contained(root: Path, relative: str) -> Path:
    """Resolve a run-relative path, refusing absolute paths and anything that escapes `root` (symlinks too)."""
    outside = MimeticError("MIMETIC_PATH_OUTSIDE_RUN", f"Path is not contained in the run: {relative}")
    rel = PurePosixPath(relative)
    if not is_relative_path(relative):
        raise outside
    try:
        path, real_root = (root / rel).resolve(), root.resolve()
    except (OSError, RuntimeError):  # a symlink loop resolves nowhere
        raise outside from None
    if path != real_root and real_root not in path.parents:
        raise outside
    return path


class RunStore:
    """One run directory: `.mimetic/runs/<run-id>/`."""

    def __init__(self, project: Project, run_id: str):
        self.project = project
        self.run_id = validate_run_id(run_id)
        self.dir = project.runs_dir / run_id
        self._lock = threading.Lock()

    @classmethod
    def new(cls, project: Project, run_id: str) -> "RunStore":
        """A store for a run about to be written; an existing run is never overwritten or mixed into."""
        refuse_symlinked_planes(project)
        store = cls(project, run_id)
        if store.dir.exists():
            raise MimeticError("MIMETIC_RUN_EXISTS", f"Run {run_id} already exists; pick another --run-id.")
        return store

    @property
    def artifact_root(self) -> str:
        return f".mimetic/runs/{self.run_id}"

    def path(self, relative: str) -> Path:
        return contained(self.dir, relative)

    def write_json(self, relative: str, data: Any) -> Path:
        return _write(self.path(relative), atomic_write_json, data)

    def write_text(self, relative: str, text: str) -> Path:
        return _write(self.path(relative), atomic_write_text, text)

    def write_bytes(self, relative: str, data: bytes) -> Path:
        return _write(self.path(relative), atomic_write_bytes, data)

    def append_line(self, relative: str, line: str) -> Path:
        """One redacted line appended with a single O_APPEND write and flushed to disk: a crash right
        after it still leaves the line, and readers never see half of it (ndjson journals)."""
        return _write(self.path(relative), _append, (redact_text(line.rstrip("\n")) + "\n").encode("utf-8"))

    def write_bundle(self, bundle: RunBundle, *, markdown: str) -> None:
        """run.json, review.json, review.md and events.ndjson together, each atomically.

        Serialised under a lock because lanes on many threads report progress at once.
        """
        with self._lock:
            self.write_json("review.json", bundle.review.to_json())
            self.write_text("review.md", markdown)
            self.write_text("events.ndjson", "".join(json.dumps(e.to_json()) + "\n" for e in bundle.events))
            self.write_json("run.json", bundle.to_json())

    def point_latest(self) -> Path:
        latest = LatestRun(run_id=self.run_id, path=self.artifact_root, updated_at=now_iso())
        return _write(self.project.runs_dir / "latest.json", atomic_write_json, latest.to_json())

    def load_bundle(self) -> RunBundle:
        return load_bundle_file(self.dir / "run.json")


def _append(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, writer: Callable[[Path, Any], None], payload: Any) -> Path:
    """A failed write (full disk, read-only folder) becomes a clear error naming the file, never a traceback."""
    try:
        writer(path, payload)
    except OSError as error:
        parts = path.parts
        shown = "/".join(parts[parts.index(".mimetic"):]) if ".mimetic" in parts else path.name
        message = (f"Could not write {shown}: {error.strerror or error}. Is the disk full or read-only? "
                   "Files written before it were left whole.")
        raise MimeticError("MIMETIC_WRITE_FAILED", message) from None
    return path


def load_bundle_file(path: Path) -> RunBundle:
    from pydantic import ValidationError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunBundle.model_validate(data)
    except FileNotFoundError:
        raise MimeticError("MIMETIC_RUN_NOT_FOUND", f"No run.json in {path.parent.name}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MimeticError("MIMETIC_INVALID_RUN_BUNDLE", f"run.json is not a valid run bundle: {first}") from None


def resolve_run(project: Project, run: str | None) -> RunStore:
    """`latest` (default) follows `.mimetic/runs/latest.json`; anything else must be a valid run id."""
    run = run or "latest"
    if run == "latest":
        pointer = project.runs_dir / "latest.json"
        try:
            data = json.loads(pointer.read_text(encoding="utf-8"))
            run_id = LatestRun.model_validate(data).run_id
        except (OSError, ValueError):
            raise MimeticError("MIMETIC_RUN_NOT_FOUND", "No Mimetic run found: .mimetic/runs/latest.json is missing.") from None
    else:
        run_id = run
    store = RunStore(project, run_id)
    if not (store.dir / "run.json").is_file():
        raise MimeticError("MIMETIC_RUN_NOT_FOUND", f"Run not found: {run_id}")
    return store


def list_runs(project: Project) -> list[dict[str, Any]]:
    """Every run directory, newest first, with createdAt/mode read from its run.json (null if unreadable)."""
    runs = []
    if project.runs_dir.is_dir():
        for child in project.runs_dir.iterdir():
            if not child.is_dir() or not RUN_ID_PATTERN.match(child.name):
                continue
            created, mode, verdict = None, None, None
            try:
                data = json.loads((child / "run.json").read_text(encoding="utf-8"))
                created, mode = data.get("createdAt"), data.get("mode")
                verdict = (data.get("review") or {}).get("verdict")
            except (OSError, ValueError, AttributeError):
                pass
            runs.append({"runId": child.name, "createdAt": created, "mode": mode, "verdict": verdict,
                         "path": f".mimetic/runs/{child.name}"})
    runs.sort(key=lambda r: (r["createdAt"] or "", r["runId"]), reverse=True)
    return runs


def review_markdown(bundle: RunBundle, extra_sections: dict[str, list[str]] | None = None) -> str:
    review: Review = bundle.review
    lines = [
        "# Mimetic Run Review", "",
        f"- Run: `{bundle.run_id}`", f"- Mode: {bundle.mode}", f"- Verdict: {review.verdict}", "",
        review.summary, "", "## Public-Safety", "",
        f"- Redaction: {bundle.redaction.status}", f"- Notes: {bundle.redaction.notes}", "",
        "## Gaps", "",
    ]
    lines += [f"- {gap}" for gap in review.gaps] or ["- None recorded."]
    for title, items in (extra_sections or {}).items():
        lines += ["", f"## {title}", ""] + [f"- {item}" for item in items]
    return "\n".join(lines) + "\n"
