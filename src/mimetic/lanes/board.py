"""The live bundle of a meta-lab run: every lane transition lands in run.json, review and events.ndjson.

Lanes report from many threads. Changes are applied under one lock; the files are written from a
snapshot, atomically, so a served Observer (which rebuilds its data from run.json) always reads a
whole, current bundle. While lanes run (`live()`), a writer thread flushes pending transitions at
most every `FLUSH_INTERVAL_S`, so lanes never queue behind disk writes; outside `live()` every
change is written at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from mimetic.bundle.compose import EventLog, source_info
from mimetic.bundle.store import RunStore, review_markdown
from mimetic.clock import now_iso
from mimetic.contracts.bundle import LabRef, Review, RunBundle, Simulation, Stream
from mimetic.labs.oss_meta import META_PERSONA, META_SCENARIO, Lane, assigned_repos_section, lane_records
from mimetic.project import Project

FLUSH_INTERVAL_S = 0.25
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

    def rows(self) -> list[dict]:
        return [{"sim_id": s.id, "label": lane.label, "status": s.status, "progress": s.progress, "step": s.current_step}
                for s, lane in zip(self.bundle.simulations, self.lanes)]

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
            self._sync()

    def _sync(self) -> None:
        self.bundle.events = list(self.log.events)
        self.bundle.lifecycle = list(self.log.lifecycle)

    def _snapshot(self) -> tuple[RunBundle, dict[str, list[str]], list[dict]]:
        """A consistent copy of the bundle, its review sections and the table rows; clears pending changes."""
        with self._lock:
            self._dirty.clear()
            self._sync()
            return self.bundle.model_copy(deep=True), self.sections(), self.rows()

    def publish(self) -> None:
        """Bundle, latest pointer and Observer (`write_run`): at the start and at the end of a run."""
        from mimetic.labs.synthetic import write_run

        with self._write_lock:
            snapshot, sections, rows = self._snapshot()
            write_run(self.store, snapshot, sections)
            self._report(rows)

    def flush(self) -> None:
        """Write the current state (run.json, review, events.ndjson) from a consistent snapshot."""
        with self._write_lock:
            snapshot, sections, rows = self._snapshot()
            self.store.write_bundle(snapshot, markdown=review_markdown(snapshot, sections))
            self._report(rows)

    @contextlib.contextmanager
    def live(self) -> Iterator[None]:
        """While lanes run: a writer thread flushes pending changes; the last change is flushed on exit."""
        done = threading.Event()

        def writer() -> None:
            while not done.is_set():
                if self._dirty.wait(0.5) and not done.is_set():
                    self.flush()
                    done.wait(FLUSH_INTERVAL_S)

        thread = threading.Thread(target=writer, name="mimetic-board-writer", daemon=True)
        self._live = True
        thread.start()
        try:
            yield
        finally:
            done.set()
            self._dirty.set()
            thread.join()
            self._live = False
            self.flush()

    def _changed(self) -> None:
        self._dirty.set()
        if not self._live:
            self.flush()

    def _report(self, rows: list[dict]) -> None:
        if self.reporter is not None:
            self.reporter(rows)
