"""Kill exactly the sandboxes a run's `sandbox-receipts.ndjson` names; never enumerate the account.

The receipts are evidence of what this run created, not authority: each id is checked for shape,
killed through the substrate its receipt names, and the outcome (killed, already gone, failed,
skipped) is written to `cleanup.json` in the run directory.
"""

from __future__ import annotations

from mimetic.bundle.store import RunStore, resolve_run
from mimetic.clock import now_iso
from mimetic.contracts.bundle import TARGET_CWD_MARKER
from mimetic.contracts.cleanup import CleanupIssue, CleanupResult
from mimetic.contracts.evidence import SandboxReceipt
from mimetic.errors import MimeticError
from mimetic.lanes.receipts import RECEIPTS_FILE, scan_receipts
from mimetic.project import Project
from mimetic.safety.redact import compact_error

CLEANUP = "cleanup.json"


def open_run(project: Project, run: str | None) -> RunStore:
    """The run to clean: `latest` or an id. An interrupted run may have receipts before its run.json."""
    try:
        return resolve_run(project, run)
    except MimeticError:
        if run and run != "latest":
            store = RunStore(project, run)
            if (store.dir / RECEIPTS_FILE).is_file():
                return store
        raise


def read_receipts(store: RunStore) -> tuple[list[SandboxReceipt], list[str]]:
    """Receipts in file order, first occurrence of each id; unreadable lines become warnings."""
    receipts, warnings = scan_receipts(store.dir)
    first: dict[str, SandboxReceipt] = {}
    for receipt in receipts:
        first.setdefault(receipt.sandbox_id, receipt)
    return list(first.values()), warnings


def cleanup_run(project: Project, run: str | None = None, *, e2b_factory=None) -> tuple[CleanupResult, int]:
    """Kill the run's receipted sandboxes; returns the result and the exit code (1 if any id is unsettled)."""
    store = open_run(project, run)
    receipts, warnings = read_receipts(store)
    if not receipts:
        warnings.append(f"No sandbox receipts in run {store.run_id}: nothing to clean up.")
    result = CleanupResult(ok=True, run_id=store.run_id, cwd=str(project.root),
                           receipts_path=f"{store.artifact_root}/{RECEIPTS_FILE}",
                           cleanup_path=f"{store.artifact_root}/{CLEANUP}", completed_at=now_iso(), warnings=warnings)
    e2b = None
    for receipt in receipts:
        sandbox_id = receipt.sandbox_id
        if receipt.substrate == "local":
            # A lane ends its processes when it ends, unless mimetic itself was killed: look, never assume.
            from mimetic.lanes.local import stop_local_lane

            (result.killed if stop_local_lane(project, store.run_id, sandbox_id) else result.already_gone).append(sandbox_id)
            continue
        if receipt.substrate != "e2b":
            result.skipped.append(CleanupIssue(id=sandbox_id, reason=f"Unknown substrate {receipt.substrate!r}."))
            continue
        if e2b is None:
            from mimetic.lanes.e2b import E2BSubstrate

            e2b = E2BSubstrate(project=project, run_id=store.run_id, sandbox_factory=e2b_factory)
        missing = e2b.missing_for_kill()
        if missing:
            reason = f"Needs {', '.join(missing)} to kill E2B sandboxes."
            result.skipped.append(CleanupIssue(id=sandbox_id, reason=reason))
            continue
        try:
            outcome = e2b.kill_outcome(sandbox_id)
        except MimeticError as error:
            result.failed.append(CleanupIssue(id=sandbox_id, reason=compact_error(f"{error.code}: {error.message}")))
            continue
        (result.killed if outcome == "killed" else result.already_gone).append(sandbox_id)
    result.ok = not (result.failed or result.skipped)
    result.completed_at = now_iso()
    # The run directory must stay verifiable: the file names the project by marker, never by absolute path.
    store.write_json(CLEANUP, {**result.to_json(), "cwd": TARGET_CWD_MARKER})
    return result, 0 if result.ok else 1
