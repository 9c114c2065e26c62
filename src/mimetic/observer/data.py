"""Build `mimetic.observer-data.v1` from a run bundle: what the Observer page renders, lane by lane."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mimetic.bundle.store import contained, is_relative_path
from mimetic.clock import now_iso
from mimetic.contracts.bundle import RunBundle, RunEvent, Stream
from mimetic.contracts.evidence import ActorReport
from mimetic.contracts.observer import (
    ActorSummary, ArtifactLink, ExplorerFindingSummary, ObserverData, ObserverRaw, ObserverRun, ObserverStream, ObserverSummary,
    PublicSafety,
)
from mimetic.errors import MimeticError

KIND_LABELS = {
    "ui": "UI", "browser": "Browser", "terminal": "CLI", "tui": "TUI", "codex-ui": "Codex UI",
    "artifact": "Artifact", "summary": "Summary",
}
STATUS_LABELS = {
    "queued": "Queued", "preparing": "Preparing", "running": "Running", "passed": "Passed", "complete": "Complete",
    "blocked": "Blocked", "timed_out": "Timed out", "failed": "Failed", "contract_proof_only": "Contract proof",
    "interrupted": "Interrupted",
}
TONES = {
    "queued": "queued", "preparing": "running", "running": "running", "passed": "complete", "complete": "complete",
    "contract_proof_only": "complete", "blocked": "blocked", "timed_out": "blocked", "interrupted": "blocked",
    "failed": "failed",
}
ACTIVE = frozenset({"running", "preparing"})
BLOCKED = frozenset({"blocked", "timed_out", "interrupted"})

# Bounded so a long live run (or 1,000 lanes) keeps the page light; totals are still reported.
TIMELINE_LIMIT = 60
EVENTS_LIMIT = 400

PUBLIC_SAFETY_NOTE = (
    "Local evidence only: not publishable as is. Run `mimetic verify`, then draft through "
    "`mimetic feedback issue` so redaction and public-safety checks gate anything you share."
)
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text or "")


def run_tone(statuses: list[str]) -> str:
    """Overall tone: running if any lane runs, else failed, else blocked, else complete (upstream §5.3)."""
    tones = {TONES.get(s, "queued") for s in statuses}
    for tone in ("running", "failed", "blocked"):
        if tone in tones:
            return tone
    return "complete" if tones else "queued"


def run_relative(path: str | None) -> str | None:
    """A path inside the run (accepting upstream's `../` prefix for observer-relative URLs), or None."""
    if not path or "://" in path or path.startswith("data:"):
        return None
    if path.startswith("../"):
        path = path[3:]
    return PurePosixPath(path).as_posix() if is_relative_path(path) and PurePosixPath(path).parts else None


def screenshot_path(stream: Stream) -> str | None:
    """The run-relative screenshot a lane shows: ui.screenshotUrl, a screenshot embed, or a screenshot artifact."""
    candidates = [stream.ui.screenshot_url if stream.ui else None,
                  stream.embed.url if stream.embed and stream.embed.kind == "screenshot" else None]
    candidates += [a.path for a in stream.artifacts if a.kind == "screenshot"]
    return next((rel for rel in map(run_relative, candidates) if rel), None)


def actor_paths(bundle: RunBundle) -> list[str]:
    """Run-relative paths of actor reports the bundle references (artifact kind `actor`)."""
    return [rel for stream in bundle.streams for a in stream.artifacts
            if a.kind == "actor" and (rel := run_relative(a.path))]


def _actor_summary(run_dir: Path, stream: Stream) -> ActorSummary | None:
    for artifact in stream.artifacts:
        rel = run_relative(artifact.path) if artifact.kind == "actor" else None
        if not rel:
            continue
        try:  # contained: a symlink out of the run is not read into the page
            report = ActorReport.model_validate(json.loads(contained(run_dir, rel).read_text(encoding="utf-8")))
        except (MimeticError, OSError, ValueError):
            continue  # a report still being written, or not an actor report: the lane shows without it
        return ActorSummary(path=rel, kind=report.kind, status=report.status, verdict=report.verdict,
                            reason=report.reason, model=report.model, steps=report.steps,
                            duration_ms=report.duration_ms, tokens=report.tokens, cost_usd=report.cost_usd,
                            findings=report.findings, last_message_tail=report.last_message_tail,
                            explorer_findings=_explorer_findings(report))
    return None


def _explorer_findings(report: ActorReport) -> list[ExplorerFindingSummary]:
    if report.exploration is None:
        return []
    return [ExplorerFindingSummary(kind=f.kind, severity=f.severity, title=f.title, route=f.route,
                                   screenshot=f"../{rel}" if (rel := run_relative(f.screenshot_path)) else None)
            for f in report.exploration.findings]


def _timelines(bundle: RunBundle) -> dict[str, list[RunEvent]]:
    """Events per stream id: an event names its stream, or only its simulation (then every stream of it)."""
    streams_of_sim: dict[str, list[str]] = defaultdict(list)
    for stream in bundle.streams:
        streams_of_sim[stream.sim_id].append(stream.id)
    per_stream: dict[str, list[RunEvent]] = defaultdict(list)
    for event in bundle.events:
        if event.stream_id:
            per_stream[event.stream_id].append(event)
        elif event.sim_id:
            for stream_id in streams_of_sim.get(event.sim_id, ()):
                per_stream[stream_id].append(event)
    return per_stream


def observer_lane(run_dir: Path, stream: Stream, sim, timeline: list[RunEvent]) -> ObserverStream:
    """One lane of the page: its stream, simulation, actor summary and the last events of its timeline."""
    tail = stream.terminal.tail if stream.terminal else ""
    shot = screenshot_path(stream)
    return ObserverStream(
        **dict(stream), sim=sim, kind_label=KIND_LABELS.get(stream.kind, stream.kind),
        status_label=STATUS_LABELS.get(stream.status, stream.status), tone=TONES.get(stream.status, "queued"),
        progress=sim.progress if sim else (100 if TONES.get(stream.status) == "complete" else 0),
        current_step=sim.current_step if sim else "", terminal_plain=strip_ansi(tail),
        screenshot=f"../{shot}" if shot else None, actor=_actor_summary(run_dir, stream),
        timeline=timeline[-TIMELINE_LIMIT:],
    )


def observer_lanes(run_dir: Path, bundle: RunBundle) -> Iterator[ObserverStream]:
    """The page's lanes, one at a time (a 10,000-lane page is written lane by lane)."""
    sims = {sim.id: sim for sim in bundle.simulations}
    timelines = _timelines(bundle)
    return (observer_lane(run_dir, s, sims.get(s.sim_id), timelines.get(s.id, [])) for s in bundle.streams)


def observer_head(bundle: RunBundle) -> ObserverData:
    """Everything of the page's data but its lanes (`streams` empty): run, totals, events, links."""
    statuses = [stream.status for stream in bundle.streams]
    tones = [TONES.get(status, "queued") for status in statuses]
    review = bundle.review
    run = ObserverRun(
        run_id=bundle.run_id, mode=bundle.mode, status=review.verdict,
        title=f"{bundle.scenario.title} - {bundle.persona.name}", created_at=bundle.created_at,
        sim_count=bundle.sim_count, persona=bundle.persona, scenario=bundle.scenario,
        package_name=bundle.source.package_name, lab=bundle.lab, redaction=bundle.redaction,
        lifecycle=bundle.lifecycle, summary=review.summary, known_gaps=review.gaps, tone=run_tone(statuses),
        study=bundle.study,
    )
    summary = ObserverSummary(
        streams=len(statuses),
        by_kind={kind: 0 for kind in KIND_LABELS} | dict(Counter(s.kind for s in bundle.streams)),
        by_status=dict(Counter(statuses)), by_tone=dict(Counter(tones)),
        active=sum(s in ACTIVE for s in statuses), blocked=sum(s in BLOCKED for s in statuses),
        failed=sum(s == "failed" for s in statuses),
        warnings=sum(e.level == "warn" for e in bundle.events), events=len(bundle.events),
    )
    links = [
        ArtifactLink(label="Run bundle", href="../run.json", kind="bundle"),
        ArtifactLink(label="Review JSON", href="../review.json", kind="review"),
        ArtifactLink(label="Review Markdown", href="../review.md", kind="review"),
        ArtifactLink(label="Event log", href="../events.ndjson", kind="events"),
        ArtifactLink(label="Observer data", href="observer-data.json", kind="observer"),
    ]
    return ObserverData(
        generated_at=now_iso(), run=run, summary=summary, streams=[], events=bundle.events[-EVENTS_LIMIT:],
        artifact_links=links, public_safety=PublicSafety(note=PUBLIC_SAFETY_NOTE),
        raw=ObserverRaw(bundle_schema=bundle.schema_, artifact_root=bundle.artifact_root),
    )


def build_observer_data(run_dir: Path, bundle: RunBundle) -> ObserverData:
    data = observer_head(bundle)
    data.streams = list(observer_lanes(run_dir, bundle))
    return data
