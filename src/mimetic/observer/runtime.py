"""Runtime-only lane data: live stream URLs (which carry auth keys) kept in memory, never on disk.

The lanes runner calls `stream_urls.set(stream_id, url)` when a lane's live view exists; the served
Observer overlays these onto the data it answers with (and only there). Nothing here is persisted,
redacted into a file, or printed.
"""

from __future__ import annotations

import threading
from typing import Any


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


def overlay(data: dict[str, Any], urls: dict[str, str]) -> dict[str, Any]:
    """A copy of observer data whose lanes with a runtime URL show it as a live iframe (upstream §5.2)."""
    if not urls or not any(stream["id"] in urls for stream in data["streams"]):
        return data
    streams = []
    for stream in data["streams"]:
        url = urls.get(stream["id"])
        if url:
            embed = dict(stream.get("embed") or {})
            embed.update(kind="iframe", url=url, title=embed.get("title") or stream["label"])
            stream = {**stream, "url": url, "embed": embed, "transport": "sse", "live": True}
        streams.append(stream)
    return {**data, "streams": streams}
