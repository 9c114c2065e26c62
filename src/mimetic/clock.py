"""Timestamps and run-id stamps in one place, so every record uses the same format."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id(prefix: str) -> str:
    """`<prefix>-<iso stamp with : and . as ->-<8 hex>`, lower-case so it is a valid run id."""
    stamp = now_iso().replace(":", "-").replace(".", "-").lower()
    return f"{prefix}-{stamp}-{secrets.token_hex(4)}"
