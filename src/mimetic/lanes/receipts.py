"""`sandbox-receipts.ndjson`: one line per sandbox, written the moment its id exists.

An interrupted or crashed run can then be cleaned up by exact id (`mimetic cleanup --run <id>`),
never by enumerating a provider account (upstream §9.1 #4).
"""

from __future__ import annotations

import json
from pathlib import Path

from mimetic.bundle.store import RunStore
from mimetic.clock import now_iso
from mimetic.contracts.evidence import SandboxReceipt

RECEIPTS_FILE = "sandbox-receipts.ndjson"


def append_receipt(store: RunStore, *, sandbox_id: str, substrate: str, stream_id: str) -> SandboxReceipt:
    """Append one receipt line, flushed to disk before the lane goes on."""
    receipt = SandboxReceipt(sandbox_id=sandbox_id, substrate=substrate, stream_id=stream_id, created_at=now_iso())
    store.append_line(RECEIPTS_FILE, json.dumps(receipt.to_json()))
    return receipt


def read_receipts(run_dir: Path) -> list[SandboxReceipt]:
    """Every readable receipt in a run directory, in the order written (unreadable lines are skipped)."""
    return scan_receipts(run_dir)[0]


def scan_receipts(run_dir: Path) -> tuple[list[SandboxReceipt], list[str]]:
    """Every readable receipt in the order written, and a warning for each line that is not one."""
    from pydantic import ValidationError

    receipts, warnings = [], []
    try:
        lines = (run_dir / RECEIPTS_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return receipts, warnings
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            receipts.append(SandboxReceipt.model_validate(json.loads(line)))
        except (ValueError, ValidationError):
            warnings.append(f"{RECEIPTS_FILE} line {number} is not a sandbox receipt; ignored.")
    return receipts, warnings
