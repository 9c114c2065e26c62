"""Runtime-only lane data a live run shares with the served Observer in the same process, in memory only.

Live view URLs (which carry auth keys): the lanes runner calls `stream_urls.set(stream_id, url)` when a
lane's live view exists, and only the served Observer overlays them onto the data it answers with; nothing
here is persisted, redacted into a file, or printed. Board feeds: a live board hands each flush's changes
to the served Observer of its run (`run_feeds`). The lanes write here and the Observer reads, so the lanes
never import the Observer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
