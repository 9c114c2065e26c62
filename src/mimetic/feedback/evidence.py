"""What one stream's artifacts say, read tolerantly: a missing or malformed file is a finding, never a crash."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from mimetic.bundle.store import RunStore, is_relative_path
from mimetic.bundle.verify import EVIDENCE_KINDS
from mimetic.contracts.base import Record
from mimetic.contracts.bundle import Stream, StreamArtifact
from mimetic.contracts.evidence import ActorReport, BrowserTrace, SetupQuality
from mimetic.contracts.feedback import EvidenceKind, FeedbackEvidence

TEXT_LIMIT = 256 * 1024  # enough for any tail; logs are scanned for phrases, not archived

# Stream artifact kinds -> the feedback contract's evidence vocabulary.
EVIDENCE_KIND: dict[str, EvidenceKind] = {
    "bundle": "state", "review": "review", "observer": "state", "events": "log", "screenshot": "screenshot",
    "trace": "trace", "log": "log", "filesystem": "filesystem", "actor": "log",
}

M = TypeVar("M", bound=Record)


def existing_file(store: RunStore, path: str) -> Path | None:
    if not is_relative_path(path):
        return None
    target = store.dir / path
    return target if target.is_file() and target.stat().st_size > 0 else None


@dataclass
class StreamEvidence:
    stream: Stream
    setup_quality: list[tuple[str, SetupQuality]] = field(default_factory=list)
    traces: list[tuple[str, BrowserTrace]] = field(default_factory=list)
    actors: list[tuple[str, ActorReport]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # actor messages and logs, for phrase detection
    base: list[FeedbackEvidence] = field(default_factory=list)  # screenshots and logs that exist
    problems: list[tuple[StreamArtifact, str]] = field(default_factory=list)  # (artifact, what is wrong)

    def artifact_evidence(self, artifact: StreamArtifact, note: str) -> FeedbackEvidence:
        return FeedbackEvidence(path=artifact.path, kind=EVIDENCE_KIND[artifact.kind], note=note)


def _validation_summary(error: ValidationError) -> str:
    """Where the first error is and what kind it is; never the offending value (it may be a secret)."""
    first = error.errors()[0] if error.errors() else {"loc": (), "type": "invalid"}
    loc = ".".join(str(part) for part in first.get("loc", ())) or "(document)"
    return f"{loc}: {first.get('type', 'invalid')}"


def _read_model(store: RunStore, artifact: StreamArtifact, model: type[M],
                problems: list[tuple[StreamArtifact, str]]) -> M | None:
    if not is_relative_path(artifact.path):
        problems.append((artifact, "not a path inside the run"))
        return None
    target = store.dir / artifact.path
    if not target.is_file():
        problems.append((artifact, "missing"))
        return None
    try:
        return model.model_validate_json(target.read_bytes())
    except ValidationError as error:
        problems.append((artifact, f"not a valid {model.SCHEMA_ID} ({_validation_summary(error)})"))
        return None


def _read_text(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(TEXT_LIMIT).decode("utf-8", errors="replace")


def is_setup_quality(artifact: StreamArtifact) -> bool:
    return artifact.kind == "filesystem" and (
        artifact.path.startswith("setup-quality/") or artifact.path.endswith("-setup-quality.json"))


def is_browser_trace(artifact: StreamArtifact) -> bool:
    # A proof's own traces/<surface>.json, or a lab lane's copy of its nested proof's traces.
    return artifact.kind == "trace" and artifact.path.endswith(".json") and \
        (artifact.path.startswith("traces/") or "/traces/" in artifact.path)


def read_stream_evidence(store: RunStore, stream: Stream) -> StreamEvidence:
    found = StreamEvidence(stream=stream)
    completion = stream.completion
    if completion is not None:
        found.texts += [t for t in (completion.actor_last_message_tail, completion.actor_log_tail,
                                    completion.log_tail) if t]
    for artifact in stream.artifacts:
        if is_setup_quality(artifact):
            report = _read_model(store, artifact, SetupQuality, found.problems)
            if report is not None:
                found.setup_quality.append((artifact.path, report))
        elif is_browser_trace(artifact):
            trace = _read_model(store, artifact, BrowserTrace, found.problems)
            if trace is not None:
                found.traces.append((artifact.path, trace))
        elif artifact.kind == "actor":
            actor = _read_model(store, artifact, ActorReport, found.problems)
            if actor is not None:
                found.actors.append((artifact.path, actor))
                if actor.last_message_tail:
                    found.texts.append(actor.last_message_tail)
        elif artifact.kind in EVIDENCE_KINDS:
            target = existing_file(store, artifact.path)
            if target is None:
                where = "missing or empty" if is_relative_path(artifact.path) else "not a path inside the run"
                found.problems.append((artifact, where))
                continue
            if artifact.kind == "log":
                found.texts.append(_read_text(target))
            if artifact.kind in ("log", "screenshot"):
                found.base.append(found.artifact_evidence(artifact, artifact.label or artifact.kind))
    return found
