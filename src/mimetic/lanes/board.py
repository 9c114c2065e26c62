"""The live bundle of a meta-lab run: every lane transition lands in run.json, review and events.ndjson.

Lanes report from many threads. Changes are applied under one lock; files are written atomically, so a
served Observer always reads a whole bundle. The host's cost per lane must not grow with the number of
lanes, so nothing is rewritten whole on every change: each lane's records are serialised and redacted
once per change (and kept as text), each event once when it enters (and appended to events.ndjson).
run.json and the review are snapshots assembled from that text. While lanes run (`live()`), a writer
thread flushes pending transitions at most every `FLUSH_INTERVAL_S`, and takes a snapshot only when
the last one's cost is small next to the time since (`SNAPSHOT_COST_SHARE`), so snapshots of a big run
come less often instead of filling the wall time; outside `live()` every change is written at once,
snapshot included.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from mimetic.bundle.compose import EventLog, source_info
from mimetic.bundle.document import Placement, document
from mimetic.bundle.store import BUNDLE_SLOTS, RunStore, review_markdown
from mimetic.clock import now_iso
from mimetic.contracts.bundle import LabRef, Review, RunBundle, Simulation, Stream
from mimetic.labs.oss_meta import META_PERSONA, META_SCENARIO, Lane, assigned_repos_section, lane_records
from mimetic.lanes.live_feeds import run_feeds
from mimetic.project import Project
from mimetic.safety.redact import Redactor

FLUSH_INTERVAL_S = 0.25
SNAPSHOT_COST_SHARE = 0.02  # live run.json snapshots take at most about this share of the wall time
SUBSTRATE_TITLES = {"e2b": "E2B desktop", "local": "Local headless Chromium"}
Reporter = Callable[[list[dict]], None]


def substrate_title(name: str) -> str:
    return SUBSTRATE_TITLES.get(name, f"{name} lane")


class LaneBoard:
    def __init__(self, store: RunStore, bundle: RunBundle, log: EventLog, lanes: list[Lane]):
        self.store = store
        self.bundle = bundle
        self.log = log
        self.lanes = lanes
        self.reasons: dict[int, str] = {}
        self.reporter: Reporter | None = None
        self._lock = threading.RLock()  # the bundle's state
        self._write_lock = threading.Lock()  # one writer at a time, snapshots in order
        self._dirty = threading.Event()
        self._live = False
        # Written state, kept as redacted JSON text (see the module docstring).
        self._redactor = Redactor()
        self._changed_lanes: set[int] = set(range(len(bundle.simulations)))
        self._lane_texts: list[tuple[str, str]] = [("", "")] * len(bundle.simulations)
        self._event_texts: list[str] = []  # as in run.json (unset fields omitted)
        self._event_lines: list[str] = []  # as in events.ndjson (every field), the first `_lines_on_disk` written
        self._lines_on_disk: int | None = None  # events.ndjson lines written (None: the file is not made yet)
        self._snapshot_due = 0.0
        self._snapshot_owed = False  # a flush skipped its snapshot: the writer takes it once due, change or not
        self.min_snapshot_interval_s = FLUSH_INTERVAL_S  # live snapshots come at most this often
        self._fed: set[Callable] = set()  # served Observers already handed every lane

    @classmethod
    def create(cls, project: Project, store: RunStore, lanes: list[Lane], lab: LabRef, substrate: str) -> LaneBoard:
        """Placeholder lanes (`queued`), written before any provider work so the Observer can show them."""
        at = now_iso()
        log = EventLog()
        log.add("oss-meta.contract.created", f"OSS meta-lab contract created with {len(lanes)} lane(s).")
        log.mark("oss-meta.run.created", f"Meta-lab run {store.run_id} created (live, substrate {substrate}).")
        simulations, streams = [], []
        title = substrate_title(substrate)
        for lane in lanes:
            sim, stream = lane_records(lane, at, status="queued", progress=0, step="Queued.")
            stream.label = f"{title} - {lane.label}"
            if substrate != "e2b":
                stream.ui.route = f"{substrate}://lane/{lane.label}"
                stream.embed.title = f"{title} {lane.index + 1}"
            simulations.append(sim)
            streams.append(stream)
            log.add("oss-meta.repo.assigned", f"{lane.sim_id} assigned {lane.label}.", sim_id=lane.sim_id,
                    stream_id=lane.stream_id)
        log.mark("oss-meta.repos.assigned", f"{len(lanes)} lane(s) assigned.")
        log.add("oss-meta.live.substrate_planned", f"Live lanes planned on the {substrate} substrate.")
        review = Review(verdict="contract_proof_only",
                        summary=f"Live OSS meta-lab in progress: {len(lanes)} lane(s) on the {substrate} substrate.",
                        gaps=["The run is in progress; this verdict is provisional."])
        bundle = RunBundle(run_id=store.run_id, mode="live", sim_count=len(lanes), created_at=at,
                           artifact_root=store.artifact_root, lab=lab, source=source_info(project), persona=META_PERSONA,
                           scenario=META_SCENARIO, lifecycle=log.lifecycle, simulations=simulations, streams=streams,
                           events=log.events, review=review)
        return cls(store, bundle, log, lanes)

    # --- reading ---------------------------------------------------------------------------------

    def sim(self, index: int) -> Simulation:
        return self.bundle.simulations[index]

    def stream(self, index: int) -> Stream:
        return self.bundle.streams[index]

    def row(self, index: int) -> dict:
        sim = self.sim(index)
        return {"sim_id": sim.id, "label": self.lanes[index].label, "status": sim.status, "progress": sim.progress,
                "step": sim.current_step}

    def sections(self) -> dict[str, list[str]]:
        lanes = []
        for sim, lane in zip(self.bundle.simulations, self.lanes):
            reason = self.reasons.get(lane.index)
            lanes.append(f"{sim.id} {lane.label}: {sim.status}" + (f" — {reason}" if reason else ""))
        return {**assigned_repos_section(self.lanes), "Lanes": lanes}

    # --- changing --------------------------------------------------------------------------------

    def update(self, index: int, *, status: str | None = None, step: str | None = None, progress: int | None = None,
               event: str | None = None, message: str | None = None, level: str = "info",
               change: Callable[[Simulation, Stream], None] | None = None, reason: str | None = None) -> None:
        """Apply one lane transition and write the bundle (the change and the write happen under one lock)."""
        with self._lock:
            sim, stream = self.sim(index), self.stream(index)
            at = now_iso()
            if status is not None:
                sim.status = stream.status = status
            if step is not None:
                sim.current_step = step
                if stream.ui is not None:
                    stream.ui.state = step
            if progress is not None:
                sim.progress = progress
            if reason is not None:
                self.reasons[index] = reason
            if change is not None:
                change(sim, stream)
            sim.updated_at = stream.updated_at = at
            self._changed_lanes.add(index)
            if event:
                self.log.add(event, message or step or event, level=level, sim_id=sim.id, stream_id=stream.id)
        self._changed()

    def event(self, type_: str, message: str, *, level: str = "info") -> None:
        with self._lock:
            self.log.add(type_, message, level=level)
        self._changed()

    def conclude(self, review: Review, lifecycle: tuple[str, str] | None = None) -> None:
        with self._lock:
            self.bundle.review = review
            if lifecycle:
                self.log.mark(*lifecycle)

    def publish(self) -> None:
        """Bundle, Observer and latest pointer: at the start and at the end of a run."""
        from mimetic.bundle.run_index import summary_of_bundle
        from mimetic.observer.render import write_observer

        with self._write_lock:
            self._flush(snapshot=True)
            with self._lock:
                self.bundle.events = list(self.log.events)
                snapshot = self.bundle.model_copy(deep=True)  # twice a run: the Observer reads a still bundle
            write_observer(self.store, snapshot, self._redactor)
            self.store.point_latest()
            self.store.record_summary(summary_of_bundle(snapshot))

    def flush(self, *, snapshot: bool = True) -> None:
        """Write what changed: new events are appended to events.ndjson; run.json and the review are
        rewritten from the kept text when `snapshot` (outside `live()` always; live, when one is due)."""
        with self._write_lock:
            self._flush(snapshot=snapshot)

    def _flush(self, *, snapshot: bool) -> None:
        with self._lock:
            self._dirty.clear()
            if not self._redactor.current:  # a secret became known: everything is redacted again, rewritten
                self._redactor = Redactor()
                self._changed_lanes = set(range(len(self.lanes)))
                self._event_texts, self._event_lines, self._lines_on_disk = [], [], None
            lanes = self._dump_changed_lanes()
            events = [(e.model_dump_json(by_alias=True, exclude_none=True), e.model_dump_json(by_alias=True))
                      for e in self.log.events[len(self._event_texts):]]
            rows = [self.row(i) for i in lanes] if self.reporter is not None else []
            listeners = run_feeds.listeners(self.store.run_id)
            head = self._head() if listeners else {}
        events_from = len(self._event_texts)
        self._keep(lanes, events)
        for listener in listeners:  # a served Observer of this run in this process
            fresh = listener not in self._fed
            indices = range(len(self._lane_texts)) if fresh else lanes
            listener(head, [self._lane_texts[i][0] for i in indices], [self._lane_texts[i][1] for i in indices],
                     self._event_texts if fresh else self._event_texts[events_from:], fresh=fresh)
            self._fed.add(listener)
        if self._lines_on_disk is None:
            self.store.write_redacted_lines("events.ndjson", self._event_lines)
        elif self._lines_on_disk < len(self._event_lines):
            self.store.write_redacted_lines("events.ndjson", self._event_lines[self._lines_on_disk:], append=True)
        self._lines_on_disk = len(self._event_lines)
        if snapshot or time.monotonic() >= self._snapshot_due:
            self._write_snapshot()
        else:
            self._snapshot_owed = True
        self._report(rows)

    def _head(self) -> dict:
        """The bundle without its lanes and events (small), as the served Observer's model reads it."""
        self.bundle.lifecycle = list(self.log.lifecycle)
        return self.bundle.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=set(BUNDLE_SLOTS))

    def _dump_changed_lanes(self) -> dict[int, tuple[str, str]]:
        changed, self._changed_lanes = self._changed_lanes, set()
        dump = {"by_alias": True, "exclude_none": RunBundle.OMIT_NONE}
        return {i: (self.sim(i).model_dump_json(**dump), self.stream(i).model_dump_json(**dump)) for i in sorted(changed)}

    def _keep(self, lanes: dict[int, tuple[str, str]], events: list[tuple[str, str]]) -> None:
        """Redact what changed, once, and keep its text."""
        texts = iter(self._redactor.json_records(text for pair in lanes.values() for text in pair))
        for index in lanes:
            self._lane_texts[index] = (next(texts), next(texts))
        self._event_texts += self._redactor.json_records(text for text, _ in events)
        self._event_lines += self._redactor.json_records(line for _, line in events)

    def _write_snapshot(self) -> None:
        """run.json, review.json and review.md from the kept text; the next live one waits in proportion
        to this one's cost."""
        started = time.perf_counter()
        with self._lock:
            self.bundle.lifecycle = list(self.log.lifecycle)
            texts = {"simulations": [sim for sim, _ in self._lane_texts],
                     "streams": [stream for _, stream in self._lane_texts], "events": list(self._event_texts)}
            doc = document(self.bundle, BUNDLE_SLOTS, self._redactor, indent=2, texts=texts)
            review, markdown = self.bundle.review.to_json(), review_markdown(self.bundle, self.sections())
        self.store.write_json("review.json", review)
        self.store.write_text("review.md", markdown)
        self.store.write_document(doc, Placement("run.json"))
        cost = time.perf_counter() - started
        self._snapshot_due = time.monotonic() + max(self.min_snapshot_interval_s, cost / SNAPSHOT_COST_SHARE)
        self._snapshot_owed = False

    @contextlib.contextmanager
    def live(self) -> Iterator[None]:
        """While lanes run: a writer thread flushes pending changes; the last change is flushed on exit."""
        done = threading.Event()

        def writer() -> None:
            while not done.is_set():
                dirty = self._dirty.wait(0.5)
                owed = self._snapshot_owed and time.monotonic() >= self._snapshot_due
                if (dirty or owed) and not done.is_set():
                    self.flush(snapshot=False)
                    done.wait(FLUSH_INTERVAL_S)

        thread = threading.Thread(target=writer, name="mimetic-board-writer", daemon=True)
        with self.deferred():
            thread.start()
            try:
                yield
            finally:
                done.set()
                self._dirty.set()
                thread.join()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Changes wait for `flush(snapshot=False)` (the live writer's); everything is flushed on exit."""
        self._live = True
        try:
            yield
        finally:
            self._live = False
            self.flush()

    def _changed(self) -> None:
        self._dirty.set()
        if not self._live:
            self.flush()

    def _report(self, rows: list[dict]) -> None:
        if self.reporter is not None:
            self.reporter(rows)
