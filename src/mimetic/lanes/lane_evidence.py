"""What survives a lane without `--keep`: its nested proof, screenshots, log tails and failure line, in the run.

A lane's folder is deleted when it closes, so before that the host copies — bounded, redacted, and
only by relative paths read through the sandbox (never following the lane's links) — into
`lanes/<stream>/` of the run bundle:

    failure.txt                        the exact line the lane failed on
    logs/<name>-tail.txt               bootstrap / clone / toolchain / install / app log tails
    nested/result.json                 the nested `mimetic run --app-url --json` result
    nested/run.json, review.md         the nested proof's bundle (validated) and review
    nested/traces/<viewport>.json      per-viewport traces
    nested/screenshots/*.png           every step's screenshot, desktop and mobile
    nested/observer/index.html         the nested Observer, rendered here by the host from the validated
                                       bundle (the lane's own HTML is never copied: it is lane-written)

Everything a lane wrote is untrusted: JSON is parsed into its model before use, texts are scrubbed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol

from mimetic.bundle.store import RunStore, is_relative_path
from mimetic.contracts.bundle import RunBundle, StreamArtifact
from mimetic.contracts.evidence import BrowserTrace
from mimetic.lanes.scrub import Scrubber, tail

LOG_FILES = ("bootstrap.log", "clone.log", "toolchain.log", "install.log", "app.log")
LOG_LINES = 200
MAX_JSON_BYTES = 2_000_000
MAX_SCREENSHOT_BYTES = 4_000_000
MAX_SCREENSHOTS = 16
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class LaneFiles(Protocol):
    def read_file(self, relative: str) -> bytes | None: ...


@dataclass
class LaneEvidence:
    artifacts: list[StreamArtifact] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)  # run-relative, most informative first
    steps: int = 0  # scripted steps the nested proof ran (not skipped), over both viewports
    passed_steps: int = 0


def _json(files: LaneFiles, relative: str) -> dict | None:
    raw = files.read_file(relative)
    if raw is None or len(raw) > MAX_JSON_BYTES:
        return None
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _model(files: LaneFiles, relative: str, model, scrub: Scrubber):
    """A lane-written JSON file parsed (after scrubbing) into its model, or None when absent or not valid."""
    from pydantic import ValidationError

    raw = _json(files, relative)
    try:
        return model.model_validate(scrub.value(raw)) if raw is not None else None
    except ValidationError:
        return None


def _safe(relative: str | None, prefix: str) -> str | None:
    """A lane-given path is used only when it is a plain relative path under `prefix`."""
    if not relative or not is_relative_path(relative) or not relative.startswith(prefix) or ".." in relative:
        return None
    return relative


def collect(files: LaneFiles, store: RunStore, token: str, *, nested_run_id: str | None, failure: str,
            scrub: Scrubber) -> LaneEvidence:
    """Copy the lane's evidence into `lanes/<token>/` of the run; returns what was kept."""
    base = f"lanes/{token}"
    found = LaneEvidence()

    def keep(label: str, path: str, kind: str) -> None:
        found.artifacts.append(StreamArtifact(label=label, path=path, kind=kind))

    if failure.strip():
        store.write_text(f"{base}/failure.txt", scrub.text(failure.strip()) + "\n")
        keep("Failure line", f"{base}/failure.txt", "log")
    for name in LOG_FILES:
        raw = files.read_file(name)
        text = tail(raw.decode("utf-8", errors="replace"), LOG_LINES) if raw else ""
        if text.strip():
            path = f"{base}/logs/{name.removesuffix('.log')}-log-tail.txt"
            store.write_text(path, scrub.text(text))
            keep(f"{name} (tail)", path, "log")
    result = _json(files, "nested-run.json")
    if result is not None:
        store.write_json(f"{base}/nested/result.json", scrub.value(result))
        keep("Nested proof result", f"{base}/nested/result.json", "filesystem")
    if nested_run_id:
        _nested_bundle(files, store, f"repo/.mimetic/runs/{nested_run_id}", f"{base}/nested", scrub, found, keep)
    return found


def _nested_bundle(files: LaneFiles, store: RunStore, lane_dir: str, dest: str, scrub: Scrubber,
                   found: LaneEvidence, keep) -> None:
    bundle = _model(files, f"{lane_dir}/run.json", RunBundle, scrub)
    if bundle is None:
        return
    store.write_json(f"{dest}/run.json", bundle.to_json())
    keep("Nested run bundle", f"{dest}/run.json", "bundle")
    review = files.read_file(f"{lane_dir}/review.md")
    if review:
        store.write_text(f"{dest}/review.md", scrub.text(review[:MAX_JSON_BYTES].decode("utf-8", errors="replace")))
        keep("Nested review", f"{dest}/review.md", "review")
    passing, others = [], []
    for stream in bundle.streams:
        name = stream.id.removeprefix("browser-").removesuffix("-stream")
        trace = _model(files, f"{lane_dir}/traces/{name}.json", BrowserTrace, scrub)
        if trace is None:
            continue
        store.write_json(f"{dest}/traces/{name}.json", trace.to_json())
        keep(f"Nested {name} trace", f"{dest}/traces/{name}.json", "trace")
        ran = [step for step in trace.steps if step.status != "skipped"]
        found.steps += len(ran)
        found.passed_steps += sum(step.status == "passed" for step in ran)
        shots = [step.screenshot_path for step in trace.steps] + [trace.screenshot_path]
        for shot in filter(None, (_safe(path, "screenshots/") for path in shots)):
            copied = _copy_png(files, store, f"{lane_dir}/{shot}", f"{dest}/{shot}", found)
            if copied:
                keep(f"Nested {name} screenshot ({shot.removeprefix('screenshots/')})", copied, "screenshot")
                (passing if trace.status == "passed" else others).append(copied)
    # The tile shows the passing viewport's final screen, else the last screen taken.
    found.screenshots = passing[::-1] + others[::-1]
    from mimetic.observer.data import build_observer_data
    from mimetic.observer.render import render_html

    data = build_observer_data(store.path(dest), bundle).to_json()
    store.write_text(f"{dest}/observer/index.html", render_html(data, mode="file"))
    keep("Nested Observer", f"{dest}/observer/index.html", "observer")


def _copy_png(files: LaneFiles, store: RunStore, source: str, dest: str, found: LaneEvidence) -> str | None:
    if sum(a.kind == "screenshot" for a in found.artifacts) >= MAX_SCREENSHOTS:
        return None
    data = files.read_file(source)
    if not data or len(data) > MAX_SCREENSHOT_BYTES or not data.startswith(PNG_MAGIC):
        return None
    if not store.path(dest).exists():
        store.write_bytes(dest, data)
    return dest
