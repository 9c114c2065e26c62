"""A served run's Observer data kept in memory and updated from what changed in run.json.

run.json holds one record per line (`bundle.document`), so a rewrite is compared line by line with the
last one read: only the lanes whose simulation or stream line changed, that gained events, or whose
actor report changed are validated, rebuilt and redacted again. Every refresh that changes something
moves a cursor; a poll that names the cursor it last saw (`?since=`) gets only the lanes changed since,
so a 10,000-lane page polled while 10 lanes move gets 10 lanes. A run.json in another shape (a 0.1.5
bundle, a legacy cwd) is read whole, as before, and every poll of it gets every lane.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from mimetic.bundle.document import record_id
from mimetic.bundle.store import contained, load_bundle_file
from mimetic.contracts.bundle import RunBundle, RunEvent, Simulation, Stream
from mimetic.contracts.observer import ObserverData
from mimetic.errors import MimeticError
from mimetic.observer.data import TIMELINE_LIMIT, observer_head, observer_lane, run_relative
from mimetic.safety.redact import Redactor, compact
from mimetic.safety.regular import read_json

_SLOT_OPEN = re.compile(r'  "(simulations|streams|events)": \[\Z')
_RECORD = "    {"
CURSORS_KEPT = 1024  # a poll naming an older cursor gets every lane


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return None


def split_records(text: str) -> tuple[dict[str, Any], dict[str, list[str]]] | None:
    """run.json as (its head, each big list's record lines), or None when it is not one record per line."""
    head, slots, current = [], {}, None
    for line in text.split("\n"):
        if current is not None:
            if line.startswith(_RECORD):
                slots[current].append(line[4:].rstrip(","))
                continue
            if line.strip() not in ("]", "],"):
                return None
            current = None
        elif (opened := _SLOT_OPEN.match(line)) is not None:
            current = opened.group(1)
            slots[current] = []
        head.append(line)
    try:
        parsed = json.loads("\n".join(head))
    except ValueError:
        return None
    return (parsed, slots) if isinstance(parsed, dict) else None


class LiveModel:
    """The Observer data of one run directory, refreshed from run.json (see the module docstring)."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.cursor = 0  # moves on every refresh that changes something
        self._floor = 0  # deltas are only known from here (a whole rebuild resets it)
        self._lock = threading.Lock()
        self._key: Any = None
        self._redactor = Redactor()
        self._bundle: RunBundle | None = None
        self._sims: dict[str, tuple[str, Simulation]] = {}
        self._streams: dict[str, tuple[str, Stream]] = {}
        self._events: list[RunEvent] = []
        self._last_event = ""  # the last event's line, to tell an append from a rewrite
        self._timelines: dict[str, list[RunEvent]] = defaultdict(list)
        self._streams_of_sim: dict[str, list[str]] = defaultdict(list)
        self._actors: dict[str, tuple] = {}  # stream id -> stats of the actor reports it shows
        self._actor_streams: set[str] = set()
        self._events_at: dict[int, int] = {}  # cursor -> how many events the model held then
        self.fed = False
        self._feed_failed = False
        self._lanes: dict[str, str] = {}  # stream id -> the lane's Observer JSON, redacted
        self._changed_at: dict[str, int] = {}
        self._head: dict[str, Any] | None = None
        self._fallback: dict[str, Any] | None = None  # a run.json read whole (not one record per line)

    # --- refreshing ------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Read run.json again if it (or an actor report) changed; whether anything changed."""
        with self._lock:
            if self.fed and self._head is not None:
                return False  # kept current by the board's own changes
            key = (_stat(self.run_dir / "run.json"), tuple(sorted(self._actors.items())))
            if key == self._key and (self._head is not None or self._fallback is not None):
                return False
            actors_before = self._actors
            changed = self._read()
            # Stats taken before the read: a file rewritten during it is read again next time.
            self._key = key if self._actors == actors_before else (key[0], tuple(sorted(self._actors.items())))
            return changed

    def _read(self) -> bool:
        try:
            text = (self.run_dir / "run.json").read_text(encoding="utf-8")
        except OSError:
            text = ""
        split = split_records(text) if text else None
        if split is not None and not self._redactor.current:
            self._reset()  # a secret became known: every lane is redacted again
        if split is not None:
            if self._head is None:
                self._reset()
            try:
                return self._apply(*split)
            except (ValueError, MimeticError):
                pass
        return self._read_whole()

    def _reset(self) -> None:
        if not self._redactor.current:
            self._redactor = Redactor()
        self._sims, self._streams, self._events, self._lanes, self._head = {}, {}, [], {}, None
        self._timelines, self._streams_of_sim = defaultdict(list), defaultdict(list)
        self._actors, self._actor_streams, self._last_event = {}, set(), ""

    def _apply(self, head: dict[str, Any], slots: dict[str, list[str]]) -> bool:
        """A whole run.json: only its lines that differ from the last read are applied."""
        sims, streams = slots.get("simulations", []), slots.get("streams", [])
        if len(sims) != len(self._sims) or len(streams) != len(self._streams):
            self._reset()  # another set of lanes (the first read, or a rewritten run): read them all
        events = slots.get("events", [])
        if len(events) < len(self._events) or (self._events and events[len(self._events) - 1] != self._last_event):
            self._reset()  # events rewritten, not appended
        return self.apply_changes(head, [line for line in sims if self._changed(self._sims, line)],
                                  [line for line in streams if self._changed(self._streams, line)],
                                  events[len(self._events):], locked=True)

    def apply_changes(self, head: dict[str, Any], sims: list[str], streams: list[str], events: list[str], *,
                      fresh: bool = False, locked: bool = False) -> bool:
        """Changed simulation and stream records and new events (JSON text, one per record), and the
        bundle's head: what a live board in this process hands over as it flushes (`fresh`: everything,
        the first time), or what a read of run.json found changed. Only the lanes they touch are rebuilt."""
        if not locked:
            with self._lock:
                if self._feed_failed and not fresh:
                    return False  # changes on top of a failed hand-over would be partial: run.json is read instead
                self.fed, self._feed_failed = True, False  # run.json need not be read again
                if fresh:
                    self._reset()
                try:
                    return self.apply_changes(head, sims, streams, events, locked=True)
                except Exception:  # noqa: BLE001 - never the board's problem: the model reads run.json again
                    self.fed, self._feed_failed, self._key = False, True, None
                    self._reset()
                    return False
        bundle = RunBundle.model_validate({**head, "simulations": [], "streams": [], "events": []})
        changed: set[str] = set()
        for line in sims:
            sim = Simulation.model_validate_json(line)
            self._sims[sim.id] = (line, sim)
            changed.update(sim.stream_ids)
        for line in streams:
            stream = Stream.model_validate_json(line)
            if stream.id not in self._streams:
                self._streams_of_sim[stream.sim_id].append(stream.id)
            self._streams[stream.id] = (line, stream)
            changed.add(stream.id)
            if any(a.kind == "actor" for a in stream.artifacts):
                self._actor_streams.add(stream.id)
        for line in events:
            event = RunEvent.model_validate_json(line)
            self._events.append(event)
            self._last_event = line
            for stream_id in [event.stream_id] if event.stream_id else self._streams_of_sim.get(event.sim_id or "", []):
                timeline = self._timelines[stream_id]
                timeline.append(event)
                del timeline[:-TIMELINE_LIMIT]
                changed.add(stream_id)
        for stream_id in self._actor_streams:  # a report written after its lane last changed
            stats = self._actor_stats(self._streams[stream_id][1])
            if stats != self._actors.get(stream_id):
                self._actors[stream_id] = stats
                changed.add(stream_id)
        bundle.simulations = [sim for _, sim in self._sims.values()]
        bundle.streams = [stream for _, stream in self._streams.values()]
        bundle.events = self._events
        self._bundle = bundle
        self._fallback = None
        return self._rebuild(changed & set(self._streams), whole=self._head is None)

    @staticmethod
    def _changed(kept: dict[str, tuple[str, Any]], line: str) -> bool:
        """Whether a record line differs from the one kept under its id (or has no kept twin)."""
        key = record_id(line)
        record = kept.get(key) if key else None
        return record is None or record[0] != line

    def _actor_stats(self, stream: Stream) -> tuple:
        paths = [rel for a in stream.artifacts if a.kind == "actor" and (rel := run_relative(a.path))]
        if not paths:
            return ()
        stats = []
        for rel in paths:
            try:
                stats.append(_stat(contained(self.run_dir, rel)))
            except MimeticError:
                stats.append(None)
        return tuple(stats)

    def _rebuild(self, changed: set[str], *, whole: bool) -> bool:
        bundle = self._bundle
        sims = {sim_id: sim for sim_id, (_, sim) in self._sims.items()}
        if whole:
            changed = set(self._streams)
        texts = self._redactor.json_records(
            observer_lane(self.run_dir, stream, sims.get(stream.sim_id), self._timelines.get(stream_id, []))
            .model_dump_json(by_alias=True, exclude_none=ObserverData.OMIT_NONE)
            for stream_id, (_, stream) in self._streams.items() if stream_id in changed)
        self.cursor += 1
        for stream_id, text in zip([s for s in self._streams if s in changed], texts):
            self._lanes[stream_id] = text
            self._changed_at[stream_id] = self.cursor
        for gone in set(self._lanes) - set(self._streams):
            del self._lanes[gone]
        head = observer_head(bundle).model_dump(mode="json", by_alias=True, exclude_none=ObserverData.OMIT_NONE)
        self._head = self._redactor.value(head)
        self._events_at[self.cursor] = len(self._events)
        if len(self._events_at) > CURSORS_KEPT:
            del self._events_at[next(iter(self._events_at))]
        if whole:
            self._floor = self.cursor
            self._events_at = {self.cursor: len(self._events)}
        return True

    def _read_whole(self) -> bool:
        """A run.json not written one record per line: the whole data, every lane on every poll."""
        from mimetic.observer.data import build_observer_data

        try:
            bundle = load_bundle_file(self.run_dir / "run.json")
        except MimeticError:
            bundle = None
        if bundle is not None:
            data = self._redactor.value(build_observer_data(self.run_dir, bundle).to_json())
            self._actors = {s.id: stats for s in bundle.streams if (stats := self._actor_stats(s))}
        else:
            try:  # no readable bundle (yet): the last rendered data file
                data = read_json(self.run_dir / "observer" / "observer-data.json")
            except (OSError, ValueError):
                return False
        self._fallback, self._head, self._lanes = data, None, {}
        self._sims, self._streams = {}, {}
        self.cursor += 1
        self._floor = self.cursor
        return True

    # --- answering -------------------------------------------------------------------------------

    def answer(self, since: int | None = None, also: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[str], int, bool] | None:
        """(head with `streams` empty, lane JSON texts, cursor, partial): the lanes changed after `since`
        (and those named in `also`), or every lane when `since` is None or older than this model can tell."""
        with self._lock:
            if self._fallback is not None:
                data = dict(self._fallback)
                lanes = [compact(s) for s in data.pop("streams", [])]
                return data, lanes, self.cursor, False
            if self._head is None:
                return None
            partial = since is not None and self._floor <= since <= self.cursor and since in self._events_at
            head = dict(self._head)
            if partial:
                lanes = [text for stream_id, text in self._lanes.items()
                         if self._changed_at.get(stream_id, 0) > since or stream_id in also]
                # Only the events added since (the page appends them to those it holds).
                added = len(self._events) - self._events_at[since]
                head["events"] = head["events"][-added:] if added else []
            else:
                lanes = list(self._lanes.values())
            return head, lanes, self.cursor, partial
