"""Files mimetic reads as its own documents: FIFOs, devices, huge and deeply nested ones are refused, not hung on."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from mimetic.safety.regular import read_json, read_regular


def finishes(call):
    """The call's outcome, or a failure if it blocks (a FIFO read would never return)."""
    outcome: list = []

    def run():
        try:
            outcome.append(("value", call()))
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcome.append(("error", error))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome, "the read blocked"
    return outcome[0]


def test_a_fifo_or_a_device_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "run.json")
    kind, error = finishes(lambda: read_json(tmp_path / "run.json"))
    assert kind == "error" and isinstance(error, ValueError) and "not a regular file" in str(error)
    kind, error = finishes(lambda: read_regular(Path("/dev/zero")))
    assert kind == "error" and "not a regular file" in str(error)


def test_huge_and_deeply_nested_documents_are_value_errors(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(ValueError, match="larger than"):
        read_regular(big, limit=1024)
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        read_json(nested)
    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps({"runId": "x"}))
    assert read_json(fine) == {"runId": "x"}
