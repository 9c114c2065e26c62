"""`mimetic verify`: the six upstream checks plus containment of every path the bundle names."""

from __future__ import annotations

import json
from mimetic.bundle.store import LEGACY_CWD_RULE, LEGACY_ID_RULE, RunStore, load_bundle_file, resolve_run
from mimetic.contracts.bundle import RunBundle
from mimetic.contracts.results import Check, ErrorInfo, VerifyResult
from mimetic.errors import MimeticError
from mimetic.project import Project
from mimetic.safety.scan import scan_run_dir

EVIDENCE_KINDS = frozenset({"screenshot", "trace", "log", "filesystem", "actor"})


def referenced_paths(bundle: RunBundle) -> list[tuple[str, str, bool]]:
    """(owner, path, must_exist) for every run-relative path the bundle refers to."""
    refs: list[tuple[str, str, bool]] = []
    for stream in bundle.streams:
        for artifact in stream.artifacts:
            refs.append((stream.id, artifact.path, artifact.kind in EVIDENCE_KINDS))
        # Embeds and screenshot URLs are relative to observer/index.html, hence the leading ../
        for url in (stream.embed.url if stream.embed and stream.embed.kind == "screenshot" else None,
                    stream.ui.screenshot_url if stream.ui else None):
            if url:
                refs.append((stream.id, url[3:] if url.startswith("../") else url, True))
    for candidate in bundle.feedback_candidates:
        for evidence in candidate.evidence:
            refs.append((candidate.id, evidence.path, True))
    return refs


def _check_paths(store: RunStore, bundle: RunBundle) -> list[Check]:
    outside, missing = [], []
    checked: dict[tuple[str, bool], tuple[bool, bool]] = {}  # every lane names run.json, review.md, ...: check once
    for owner, path, must_exist in referenced_paths(bundle):
        if (path, must_exist) not in checked:
            try:  # the store's own containment rule, so a symlink out of the run is outside too
                target = store.path(path) if path else None
            except MimeticError:
                target = None
            absent = target is not None and must_exist and (not target.is_file() or target.stat().st_size == 0)
            checked[path, must_exist] = (target is None, absent)
        is_outside, absent = checked[path, must_exist]
        if is_outside:
            outside.append(f"{owner}: {path}")
        elif absent:
            missing.append(path)
    checks = [
        Check(name="artifact paths contained", ok=not outside,
              message="Every artifact path is relative and inside the run." if not outside
              else f"Paths outside the run: {', '.join(outside[:5])}"),
        Check(name="local evidence artifacts exist", ok=not missing,
              message="Every referenced screenshot, trace, log and filesystem artifact exists." if not missing
              else f"Missing evidence: {', '.join(sorted(set(missing))[:5])}"),
    ]
    return checks


def _without_legacy_cwd(store: RunStore, legacy_cwd: str, findings: list) -> list:
    """A 0.1.5 run.json stored its absolute cwd: that one value reads as the marker; anything else still counts."""
    from mimetic.safety.scan import scan_text

    def still(finding) -> bool:
        if finding.path != "run.json" or finding.problem != "absolute home or temp path":
            return True
        text = (store.dir / "run.json").read_text(encoding="utf-8", errors="replace")
        return "absolute home or temp path" in scan_text(text.replace(json.dumps(legacy_cwd), '"[target-cwd]"'))

    return [finding for finding in findings if still(finding)]


def verify_store(project: Project, store: RunStore, run_label: str) -> VerifyResult:
    return _verify(project, store, run_label)[0]


def _verify(project: Project, store: RunStore, run_label: str) -> tuple[VerifyResult, RunBundle | None]:
    """The verdict, and the bundle it read (None when run.json is not a readable bundle)."""
    checks: list[Check] = []
    run_json = store.dir / "run.json"
    checks.append(Check(name="run.json exists", ok=run_json.is_file(), message="run.json is present."
                        if run_json.is_file() else "run.json is missing."))
    bundle: RunBundle | None = None
    try:
        bundle = load_bundle_file(run_json)
        schema_ok = bundle.run_id == store.run_id
        message = "run.json is a valid mimetic.run-bundle.v1 bundle." if schema_ok else \
            f"runId {bundle.run_id!r} does not match the run directory {store.run_id!r}."
    except MimeticError as error:
        schema_ok, message = False, error.message
    checks.append(Check(name="run schema", ok=schema_ok, message=message))
    if bundle is not None:
        passed = bundle.redaction.status == "passed"
        checks.append(Check(name="redaction passed", ok=passed, message=f"Redaction status: {bundle.redaction.status}."))
    else:
        checks.append(Check(name="redaction passed", ok=False, message="No readable bundle to check."))
    review_ok = (store.dir / "review.json").is_file() and (store.dir / "review.md").is_file()
    if review_ok:
        try:
            json.loads((store.dir / "review.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):
            review_ok = False
    checks.append(Check(name="review artifacts exist", ok=review_ok,
                        message="review.json and review.md are present." if review_ok
                        else "review.json or review.md is missing or unreadable."))
    findings = scan_run_dir(store.dir)
    if bundle is not None and bundle.legacy_cwd is not None:
        findings = _without_legacy_cwd(store, bundle.legacy_cwd, findings)
    checks.append(Check(name="public-safety scan", ok=not findings,
                        message="No secret, token, local-path or browser-profile findings." if not findings
                        else f"{len(findings)} finding(s): " + "; ".join(str(f) for f in findings[:5])))
    if bundle is not None:
        checks.extend(_check_paths(store, bundle))
    else:
        checks.append(Check(name="local evidence artifacts exist", ok=False, message="No readable bundle to check."))
    relaxed = [rule for rule, applies in ((LEGACY_ID_RULE, store.legacy_id),
                                          (LEGACY_CWD_RULE, bundle is not None and bundle.legacy_cwd is not None))
               if applies]
    if relaxed:  # said out loud, so a 0.1.5 bundle never passes silently under looser rules
        checks.append(Check(name="legacy bundle", ok=True,
                            message="Read as a mimetic-cli 0.1.5 bundle; relaxed: " + "; ".join(relaxed) + "."))
    ok = all(check.ok for check in checks)
    return VerifyResult(relaxed_rules=relaxed, 
        ok=ok, cwd=str(project.root), run=run_label, run_id=store.run_id,
        bundle_path=f"{store.artifact_root}/run.json", checks=checks,
        error=None if ok else ErrorInfo(code="MIMETIC_INVALID_RUN_BUNDLE", message="Run bundle failed verification."),
    ), bundle


def verify_run(project: Project, run: str | None) -> VerifyResult:
    store = resolve_run(project, run)
    return verify_store(project, store, run or "latest")


def require_verified(project: Project, run: str | None) -> tuple[RunStore, RunBundle]:
    """For commands that only act on a verified bundle (review, observer, feedback, export).

    `latest` is resolved once, and the bundle returned is the one verification read, so a run that
    becomes latest (or a run.json rewritten) in between is never handed on unverified."""
    store = resolve_run(project, run)
    result, bundle = _verify(project, store, run or "latest")
    if not result.ok or bundle is None:
        failed = [f"{c.name}: {c.message}" for c in result.checks if not c.ok]
        raise MimeticError("MIMETIC_INVALID_RUN_BUNDLE", "Run bundle failed verification: " + " | ".join(failed),
                           result=result)
    return store, bundle

