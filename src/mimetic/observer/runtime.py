"""The served Observer's live views: lanes whose runtime URL (lanes/live_feeds.py, memory only) shows as an
iframe in the data it answers with, and only there."""

from __future__ import annotations

import json
from typing import Any

from mimetic.bundle.document import record_id
from mimetic.safety.redact import compact


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
