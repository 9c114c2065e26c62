"""Every file mimetic writes under `.mimetic/` goes through here: redacted, contained, atomic."""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from mimetic.bundle.document import Document, Placement, document
from mimetic.clock import now_iso
from mimetic.contracts.base import Record
from mimetic.contracts.bundle import TARGET_CWD_MARKER, LatestRun, Review, RunBundle
from mimetic.errors import MimeticError
from mimetic.project import Project, refuse_symlinked_planes
from mimetic.safety.redact import Redactor, redact_text, redact_value
from mimetic.safety.regular import read_json
from mimetic.safety.terminal import strip_controls

RUN_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,127}\Z")  # \Z: `$` would accept a trailing newline
# Runs written by mimetic-cli 0.1.5 are read too: its default ids keep the ISO stamp's upper-case T/Z
# (`dryrun-2026-06-05T05-01-02-003Z-…`) and it used --run-id verbatim. Never used for a new run.
LEGACY_RUN_ID_PATTERN = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
LEGACY_ID_RULE = "run id outside today's lower-case shape accepted for reading (0.1.5 id)"
# run.json's big lists: written one compact record per line, each redacted and serialised once.
BUNDLE_SLOTS = ("simulations", "streams", "events")
LEGACY_CWD_RULE = "absolute cwd in run.json read as [target-cwd] (0.1.5 stored the absolute path)"


def readable_run_id(run_id: str) -> bool:
    return bool(RUN_ID_PATTERN.match(run_id) or LEGACY_RUN_ID_PATTERN.match(run_id))


def validate_run_id(run_id: str, *, reading: bool = False) -> str:
    """A run id for a new run (lower-case shape only), or with `reading`, also a 0.1.5 run's id."""
    if RUN_ID_PATTERN.match(run_id or "") or (reading and LEGACY_RUN_ID_PATTERN.match(run_id or "")):
        return run_id
    raise MimeticError(
        "MIMETIC_INVALID_RUN_ID",
        f"Run ids are lower-case letters, digits and dashes (at most 128): {redact_text(run_id)!r}",
    )


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


def atomic_write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """`atomic_write_bytes` for a text given in pieces (a big document is never joined into one string)."""
    _write_pieces([path], lambda handles: handles[0].writelines(chunks))


def _write_document(path: Path, payload: tuple[Document, list[tuple[Path, Placement]]]) -> None:
    doc, targets = payload

    def fill(handles: list[Any]) -> None:
        for handle, (_, placement) in zip(handles, targets):
            handle.write(placement.literal(placement.around[0]))
        for chunk in doc.chunks():
            for handle, (_, placement) in zip(handles, targets):
                handle.write(placement.piece(chunk))
        for handle, (_, placement) in zip(handles, targets):
            handle.write(placement.literal(placement.around[1]))

    _write_pieces([target for target, _ in targets], fill)


def _write_pieces(paths: list[Path], fill: Callable[[list[Any]], None]) -> None:
    """Write-temp-then-rename for several text files filled together; none is left torn or half-made."""
    temps: list[tuple[Any, str, Path]] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((os.fdopen(fd, "w", encoding="utf-8", newline=""), tmp, path))
        fill([handle for handle, _, _ in temps])
        for handle, tmp, path in temps:
            handle.close()
            os.replace(tmp, path)
    except BaseException:
        for handle, tmp, _ in temps:
            handle.close()
            Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    # Text files (review.md, log tails) are read in terminals: no control sequences, redacted.
    atomic_write_bytes(path, strip_controls(redact_text(text)).encode("utf-8"))


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

    def __init__(self, project: Project, run_id: str, *, reading: bool = False):
        self.project = project
        self.run_id = validate_run_id(run_id, reading=reading)
        self.dir = project.runs_dir / run_id
        self._lock = threading.RLock()
        self._uncreated = False  # a new run whose directory this process has not made yet
        self.bytes_written = 0

    @classmethod
    def new(cls, project: Project, run_id: str) -> "RunStore":
        """A store for a run about to be written; an existing run is never overwritten or mixed into.

        The directory is made by `create()` (or the first write), atomically: of several processes
        given the same --run-id, exactly one gets it and the others MIMETIC_RUN_EXISTS."""
        refuse_symlinked_planes(project)
        store = cls(project, run_id)
        if store.dir.exists():
            raise store._exists()
        store._uncreated = True
        return store

    def _exists(self) -> MimeticError:
        return MimeticError("MIMETIC_RUN_EXISTS", f"Run {self.run_id} already exists; pick another --run-id.")

    def create(self) -> None:
        """Make a new run's directory (mkdir, never exist_ok); a no-op once made."""
        with self._lock:
            if not self._uncreated:
                return
            try:
                self.dir.parent.mkdir(parents=True, exist_ok=True)
                self.dir.mkdir()
            except FileExistsError:
                raise self._exists() from None
            except OSError as error:
                raise MimeticError("MIMETIC_WRITE_FAILED", f"Could not create {self.artifact_root}: "
                                                           f"{error.strerror or error}.") from None
            self._uncreated = False

    @property
    def artifact_root(self) -> str:
        return f".mimetic/runs/{self.run_id}"

    def path(self, relative: str) -> Path:
        return contained(self.dir, relative)

    def _target(self, relative: str) -> Path:
        """Where a write goes; the first write of a new run makes its directory."""
        if self._uncreated:
            self.create()
        return self.path(relative)

    def write_json(self, relative: str, data: Any) -> Path:
        return self._counted(_write(self._target(relative), atomic_write_json, data))

    def write_text(self, relative: str, text: str) -> Path:
        return self._counted(_write(self._target(relative), atomic_write_text, text))

    def write_bytes(self, relative: str, data: bytes) -> Path:
        return self._counted(_write(self._target(relative), atomic_write_bytes, data))

    def append_line(self, relative: str, line: str) -> Path:
        """One redacted line appended with a single O_APPEND write and flushed to disk: a crash right
        after it still leaves the line, and readers never see half of it (ndjson journals)."""
        data = (redact_text(line.rstrip("\n")) + "\n").encode("utf-8")
        return self._counted(_write(self._target(relative), _append, data), len(data))

    def write_document(self, doc: Document, *placements: Placement) -> list[Path]:
        """A document whose pieces were redacted as they were made (`document()`), written piece by piece
        to every placement in one pass (each file atomically)."""
        paths = [self._target(placement.relative) for placement in placements]
        _write(paths[0], _write_document, (doc, list(zip(paths, placements))))
        return [self._counted(path) for path in paths]

    def write_lines(self, relative: str, records: Iterable[Record], redactor: Redactor) -> Path:
        """An ndjson file of records, each redacted as it is serialised."""
        texts = redactor.json_records(r.model_dump_json(by_alias=True, exclude_none=r.OMIT_NONE) for r in records)
        return self.write_redacted_lines(relative, texts)

    def write_redacted_lines(self, relative: str, lines: Iterable[str], *, append: bool = False) -> Path:
        """An ndjson file (or lines appended to one) of records `Redactor.json_records` serialised; no
        control characters (a person may `cat` it). An append is one O_APPEND write, flushed to disk."""
        text = (strip_controls(line) + "\n" for line in lines)
        if append:
            data = "".join(text).encode("utf-8")
            return self._counted(_write(self._target(relative), _append, data), len(data))
        return self._counted(_write(self._target(relative), atomic_write_chunks, text))

    def _counted(self, path: Path, size: int | None = None) -> Path:
        """Count the bytes this store wrote (`bytes_written`): what a live run's cost per change is judged by."""
        with self._lock:
            self.bytes_written += path.stat().st_size if size is None else size
        return path

    def write_bundle(self, bundle: RunBundle, *, markdown: str, redactor: Redactor | None = None) -> None:
        """run.json, review.json, review.md and events.ndjson together, each atomically.

        Each record is redacted and serialised once (`redactor`, shared with the Observer's write, scrubs
        each distinct string once). Serialised under a lock because lanes on many threads report at once.
        """
        redactor = redactor or Redactor()
        with self._lock:
            self.write_json("review.json", bundle.review.to_json())
            self.write_text("review.md", markdown)
            self.write_lines("events.ndjson", bundle.events, redactor)
            self.write_document(document(bundle, BUNDLE_SLOTS, redactor, indent=2), Placement("run.json"))

    def record_summary(self, summary: Any) -> None:
        """Index this run (`run_index`) after its last write, so `runs` and `stats` need not parse its
        run.json. The index is a cache: when it cannot be written, the run is read in full instead."""
        from mimetic.bundle.run_index import record_run

        try:
            record_run(self.project, self.dir, summary)
        except OSError:
            pass

    def point_latest(self) -> Path:
        latest = LatestRun(run_id=self.run_id, path=self.artifact_root, updated_at=now_iso())
        return _write(self.project.runs_dir / "latest.json", atomic_write_json, latest.to_json())

    @property
    def legacy_id(self) -> bool:
        return not RUN_ID_PATTERN.match(self.run_id)

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
    try:
        data = read_json(path)
        legacy_cwd = _legacy_cwd(data)
        if legacy_cwd is not None:
            data["cwd"] = TARGET_CWD_MARKER
        bundle = RunBundle.model_validate(data)
        bundle._legacy_cwd = legacy_cwd
        return bundle
    except FileNotFoundError:
        raise MimeticError("MIMETIC_RUN_NOT_FOUND", f"No run.json in {path.parent.name}.") from None
    except (OSError, ValueError, RecursionError) as exc:  # FIFO, device, huge, nested, not JSON, not a bundle
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MimeticError("MIMETIC_INVALID_RUN_BUNDLE", f"run.json is not a valid run bundle: {first}") from None


def _legacy_cwd(data: Any) -> str | None:
    """The absolute `cwd` a 0.1.5 bundle stored (today's bundles hold the marker), else None."""
    cwd = data.get("cwd") if isinstance(data, dict) else None
    if isinstance(cwd, str) and cwd != TARGET_CWD_MARKER and PurePosixPath(cwd).is_absolute():
        return cwd
    return None


def resolve_run(project: Project, run: str | None) -> RunStore:
    """`latest` (default) follows `.mimetic/runs/latest.json`; anything else must be a valid run id."""
    run = run or "latest"
    if run == "latest":
        pointer = project.runs_dir / "latest.json"
        try:
            data = read_json(pointer)
            run_id = LatestRun.model_validate(data).run_id
        except (OSError, ValueError):
            raise MimeticError("MIMETIC_RUN_NOT_FOUND", "No Mimetic run found: .mimetic/runs/latest.json is missing.") from None
    else:
        run_id = run
    store = RunStore(project, run_id, reading=True)
    if not (store.dir / "run.json").is_file():
        raise MimeticError("MIMETIC_RUN_NOT_FOUND", f"Run not found: {run_id}")
    return store


def list_runs(project: Project) -> list[dict[str, Any]]:
    """Every run directory, newest first, with createdAt/mode/verdict from the run index or its run.json
    (null if unreadable)."""
    from mimetic.bundle.run_index import indexed_runs, newest_first

    runs = []
    for run in newest_first(indexed_runs(project)):
        summary = run.summary
        runs.append({"runId": run.run_id, "createdAt": summary.created_at if summary else None,
                     "mode": summary.mode if summary else None, "verdict": summary.verdict if summary else None,
                     "path": f".mimetic/runs/{run.run_id}"})
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
