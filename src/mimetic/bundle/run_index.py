"""A small index of runs (`.mimetic/runs/index.jsonl`) so `runs`, `stats` and the Observer's history
read a few fields per run instead of parsing every run.json in full.

An entry is a cache, never the truth: it carries the size and modification time of the run.json it was
made from. A run whose run.json differs from its entry, or that has none (written by another version,
cut short, or rewritten since, as `feedback` does), is read in full as before; a run.json that cannot
be read is reported to the caller, which skips it with a warning.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mimetic.contracts.bundle import RunBundle
from mimetic.project import Project
from mimetic.safety.regular import read_json

INDEX_FILE = "index.jsonl"


@dataclass(frozen=True)
class RunSummary:
    """What `runs`, `stats` and the history drawer need of one run."""

    run_id: str
    created_at: str | None
    mode: str | None
    verdict: str | None
    lab: str | None
    duration_ms: int | None
    stream_count: int
    study: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"runId": self.run_id, "createdAt": self.created_at, "mode": self.mode, "verdict": self.verdict,
                "lab": self.lab, "durationMs": self.duration_ms, "streamCount": self.stream_count, "study": self.study}


@dataclass(frozen=True)
class IndexedRun:
    """One run directory: its summary, or why its run.json could not be read (`problem`); `missing`
    when it has no run.json at all (a run still being created, or a stray directory)."""

    run_id: str
    summary: RunSummary | None
    problem: str | None = None
    missing: bool = False


def iso_moment(value: Any) -> datetime | None:
    """An ISO date or date-time as an aware datetime (UTC when it names no zone); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def duration_ms(created_at: Any, marks: list[Any]) -> int | None:
    """From `createdAt` to the last event or lifecycle mark the bundle recorded."""
    start = iso_moment(created_at)
    moments = [m for m in map(iso_moment, marks) if m is not None]
    if start is None or not moments:
        return None
    return max(0, int((max(moments) - start).total_seconds() * 1000))


def summary_of_data(run_id: str, data: dict[str, Any]) -> RunSummary:
    """A summary from a run.json read tolerantly (only the fields it needs, each checked)."""
    review = data.get("review") if isinstance(data.get("review"), dict) else {}
    lab = data["lab"].get("id") if isinstance(data.get("lab"), dict) else None
    marks = [entry.get("at") for key in ("events", "lifecycle") for entry in data.get(key) or []
             if isinstance(entry, dict)]
    streams = data.get("streams")
    return RunSummary(run_id=run_id, created_at=data.get("createdAt"), mode=data.get("mode"),
                      verdict=review.get("verdict"), lab=lab, duration_ms=duration_ms(data.get("createdAt"), marks),
                      stream_count=len(streams) if isinstance(streams, list) else 0, study=data.get("study"))


def summary_of_bundle(bundle: RunBundle) -> RunSummary:
    marks = [e.at for e in bundle.events] + [m.at for m in bundle.lifecycle]
    return RunSummary(run_id=bundle.run_id, created_at=bundle.created_at, mode=bundle.mode,
                      verdict=bundle.review.verdict, lab=bundle.lab.id if bundle.lab else None,
                      duration_ms=duration_ms(bundle.created_at, marks), stream_count=len(bundle.streams),
                      study=bundle.study.model_dump(mode="json", by_alias=True, exclude_none=True) if bundle.study else None)


def _stat_key(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def _entries(project: Project) -> dict[str, dict[str, Any]]:
    """The index's entries by run id (the last line of a run wins; unreadable lines are ignored)."""
    entries: dict[str, dict[str, Any]] = {}
    try:
        text = (project.runs_dir / INDEX_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return entries
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("runId"), str) and isinstance(entry.get("summary"), dict):
            entries[entry["runId"]] = entry
    return entries


def record_run(project: Project, run_dir: Path, summary: RunSummary) -> None:
    """Index a run just written (after its last run.json write). The index is rewritten whole, atomically,
    keeping one line per run; a lost race with another run's write only costs that run a full read."""
    from mimetic.bundle.store import atomic_write_bytes
    from mimetic.safety.redact import compact

    key = _stat_key(run_dir / "run.json")
    if key is None:
        return
    entries = _entries(project)
    entries[summary.run_id] = {"runId": summary.run_id, "runJson": key, "summary": summary.to_json()}
    text = "".join(compact(entry) + "\n" for entry in entries.values()
                   if (project.runs_dir / entry["runId"]).is_dir())
    atomic_write_bytes(project.runs_dir / INDEX_FILE, text.encode("utf-8"))


def newest_first(runs: list[IndexedRun]) -> list[IndexedRun]:
    """Runs by creation time, newest first (an unreadable run last, by id)."""
    return sorted(runs, key=lambda r: ((r.summary.created_at if r.summary else None) or "", r.run_id), reverse=True)


def indexed_runs(project: Project) -> list[IndexedRun]:
    """Every run directory (by a run id a reader accepts), summarised from the index where it is current."""
    from mimetic.bundle.store import readable_run_id

    runs: list[IndexedRun] = []
    if not project.runs_dir.is_dir():
        return runs
    entries = _entries(project)
    for child in sorted(os.scandir(project.runs_dir), key=lambda e: e.name):
        if not child.is_dir() or not readable_run_id(child.name):
            continue
        run_json = Path(child.path) / "run.json"
        key = _stat_key(run_json)
        entry = entries.get(child.name)
        if key is not None and entry is not None and entry.get("runJson") == key:
            runs.append(IndexedRun(child.name, _from_entry(child.name, entry["summary"])))
            continue
        try:
            data = read_json(run_json)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except FileNotFoundError:
            runs.append(IndexedRun(child.name, None, missing=True))
            continue
        except (OSError, ValueError) as error:
            runs.append(IndexedRun(child.name, None, problem=type(error).__name__))
            continue
        runs.append(IndexedRun(child.name, summary_of_data(child.name, data)))
    return runs


def _from_entry(run_id: str, data: dict[str, Any]) -> RunSummary:
    count = data.get("streamCount")
    return RunSummary(run_id=run_id, created_at=data.get("createdAt"), mode=data.get("mode"), verdict=data.get("verdict"),
                      lab=data.get("lab"), duration_ms=data.get("durationMs"),
                      stream_count=count if isinstance(count, int) else 0,
                      study=data.get("study") if isinstance(data.get("study"), dict) else None)
