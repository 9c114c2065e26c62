"""sandbox-receipts.ndjson: one line per sandbox, appended atomically from many threads."""

from __future__ import annotations

import threading

from mimetic.bundle.store import RunStore
from mimetic.lanes.receipts import RECEIPTS_FILE, append_receipt, read_receipts
from mimetic.project import Project


def test_concurrent_appends_keep_every_receipt_line(tmp_path):
    store = RunStore(Project(tmp_path), "receipts")
    threads = [threading.Thread(target=append_receipt, args=(store,),
                                kwargs={"sandbox_id": f"sbx-{i}", "substrate": "e2b", "stream_id": f"oss-{i:02d}-desktop"})
               for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receipts = read_receipts(store.dir)
    assert sorted(r.sandbox_id for r in receipts) == sorted(f"sbx-{i}" for i in range(20))
    assert all(r.schema_ == "mimetic.sandbox-receipt.v1" and r.created_at for r in receipts)


def test_unreadable_lines_are_skipped_and_a_missing_file_reads_empty(tmp_path):
    store = RunStore(Project(tmp_path), "receipts")
    assert read_receipts(store.dir) == []
    append_receipt(store, sandbox_id="oss-01", substrate="local", stream_id="oss-01-desktop")
    path = store.dir / RECEIPTS_FILE
    path.write_text(path.read_text() + "{torn\n")
    assert [r.sandbox_id for r in read_receipts(store.dir)] == ["oss-01"]
