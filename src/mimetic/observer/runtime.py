"""Runtime-only lane data: live stream URLs (which carry auth keys) kept in memory, never on disk.

The lanes runner calls `stream_urls.set(stream_id, url)` when a lane's live view exists; the served
Observer overlays these onto the data it answers with (and only there). Nothing here is persisted,
redacted into a file, or printed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from mimetic.bundle.document import record_id
from mimetic.safety.redact import compact


class RuntimeStreams:
    """A thread-safe map stream id -> live view URL for the run being watched in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urls: dict[str, str] = {}

    def set(self, stream_id: str, url: str) -> None:
        with self._lock:
            self._urls[stream_id] = url

    def discard(self, stream_id: str) -> None:
        with self._lock:
            self._urls.pop(stream_id, None)

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._urls)


stream_urls = RuntimeStreams()


def overlay_lanes(lanes: list[str], urls: dict[str, str]) -> list[str]:
    """Lanes (kept as JSON text) whose runtime URL shows as a live iframe (upstream §5.2): only a lane with a
    runtime URL is parsed and written again."""
    if not urls:
        return lanes
    shown = []
    for text in lanes:
        if record_id(text) in urls:
            lane = json.loads(text)
            text = compact(_live(lane, urls[lane["id"]]))
        shown.append(text)
    return shown


def _live(stream: dict[str, Any], url: str) -> dict[str, Any]:
    embed = dict(stream.get("embed") or {})
    embed.update(kind="iframe", url=url, title=embed.get("title") or stream["label"])
    return {**stream, "url": url, "embed": embed, "transport": "sse", "live": True}


class RunFeeds:
    """Live boards hand each flush's changes to the served Observer of the same run in this process, so
    its model never reads run.json back (`LiveModel.apply_changes`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, list[Callable[..., Any]]] = {}

    def subscribe(self, run_id: str, listener: Callable[..., Any]) -> None:
        with self._lock:
            self._listeners.setdefault(run_id, []).append(listener)

    def unsubscribe(self, run_id: str, listener: Callable[..., Any]) -> None:
        with self._lock:
            if listener in self._listeners.get(run_id, []):
                self._listeners[run_id].remove(listener)

    def listeners(self, run_id: str) -> list[Callable[..., Any]]:
        with self._lock:
            return list(self._listeners.get(run_id, []))


run_feeds = RunFeeds()
