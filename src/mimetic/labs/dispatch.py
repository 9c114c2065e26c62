"""Run a resolved lab by its kind, with upstream's precedence of flags over manifest over defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mimetic.bundle.compose import select_persona, select_scenario
from mimetic.bundle.store import RunStore
from mimetic.clock import new_run_id
from mimetic.contracts.bundle import LabRef
from mimetic.errors import MimeticError
from mimetic.labs.catalog import ResolvedLab
from mimetic.project import Project
from mimetic.safety.slugs import DEFAULT_REPOS, normalize_repos


@dataclass
class LabRunOptions:
    dry_run: bool | None = None
    sims: int | None = None
    count: int | None = None
    limit: int | None = None
    run_id: str | None = None
    repo: list[str] = field(default_factory=list)
    repos: str | None = None
    redact_repos: bool | None = None
    keep: bool = False
    substrate: str | None = None
    unsandboxed: bool = False  # local lanes without the bubblewrap sandbox
    concurrency: int | None = None
    json: bool = False


@dataclass
class LabRun:
    """What a lab run produced: its result document, exit code and run store (if a run was written)."""

    result: Any
    exit_code: int
    store: RunStore | None


def _first(*values):
    return next((v for v in values if v is not None), None)


def _repos(resolved: ResolvedLab, options: LabRunOptions) -> tuple[list[str], bool]:
    from_flags = bool(options.repo) or options.repos is not None
    repos = normalize_repos(options.repo, options.repos) if from_flags else normalize_repos(resolved.lab.repos or [])
    if from_flags and not repos:
        # `--repos "$EMPTY"` must not silently become the default public repos (a live run would launch them).
        raise MimeticError("MIMETIC_INVALID_OSS_REPO", "--repo/--repos named no repository (only empty values); give "
                                                       "owner/repo slugs, or omit the flags to use the lab's repos.")
    return (repos or list(DEFAULT_REPOS)), from_flags


def run_lab(project: Project, resolved: ResolvedLab, options: LabRunOptions) -> LabRun:
    lab = resolved.lab
    if options.concurrency is not None and options.concurrency < 1:
        raise MimeticError("MIMETIC_INVALID_CONCURRENCY",
                           f"--concurrency must be a positive integer, got {options.concurrency}.")
    ref = LabRef(id=lab.id, kind=lab.kind, origin=resolved.origin)
    defaults = lab.defaults
    dry_run = _first(options.dry_run, defaults.dry_run if defaults else None, lab.kind == "synthetic")
    warnings = list(resolved.warnings)
    if lab.kind == "synthetic":
        if dry_run is False:
            raise MimeticError("MIMETIC_LAB_OPTION_CONFLICT", f"Lab {lab.id} is synthetic: it only writes dry-run evidence.")
        from mimetic.labs.synthetic import run_synthetic

        sims = _first(options.sims, lab.sims, lab.count, 4)
        store, _, result = run_synthetic(project, sims=sims, run_id=options.run_id, lab=ref, persona_id=lab.persona,
                                         scenario_id=lab.scenario)
        result.warnings[:0] = warnings
        return LabRun(result, 0, store)
    if lab.kind == "study":
        from mimetic.studies.study import run_study

        if options.dry_run:
            raise MimeticError("MIMETIC_LAB_OPTION_CONFLICT", f"Lab {lab.id} is a study: it runs live (drop --dry-run).")

        result, exit_code = run_study(project, lab.id, app_url=None, actor=None, run_id=options.run_id,
                                      resolved=resolved)
        result.warnings[:0] = warnings
        return LabRun(result, exit_code, None)
    repos, from_flags = _repos(resolved, options)
    if lab.kind == "oss-meta":
        from mimetic.labs import oss_meta

        # Repos named on the command line get one lane each unless a count is given.
        count = oss_meta.validate_count(_first(options.count, options.sims, len(repos) if from_flags else None,
                                               lab.count, lab.sims, len(repos)))
        redact = oss_meta.decide_redaction(options.redact_repos, defaults.redact_repos if defaults else None)
        access = None
        if redact is None and not dry_run:
            access = _access_preflight(project, repos)
        redactions = _redactions(repos, redact, access)
        lanes = oss_meta.plan_lanes(repos, count, set(redactions))
        # A persona and scenario the lab names give each lane's actor who it is and what it wants.
        persona = select_persona(project, lab.persona)[1] if lab.persona else None
        scenario = select_scenario(project, lab.scenario)[1] if lab.scenario else None
        store = RunStore.new(project, options.run_id or new_run_id("oss-meta"))
        if not dry_run:
            from mimetic.lanes.meta import run_meta_live

            return run_meta_live(project, store, resolved, lanes, repos, redactions, options, warnings,
                                 persona=persona, scenario=scenario, access=access)
        return _meta_dry_run(project, store, ref, lanes, repos, redactions, warnings)
    # oss-smoke
    limit = _first(options.limit, options.sims, lab.limit, lab.count, len(repos))
    from mimetic.labs.oss_smoke import run_smoke

    return run_smoke(project, resolved, repos, limit, options, warnings)


def _access_preflight(project: Project, repos: list[str]):
    """Anonymous (then token) read checks, done once before lanes are planned: they decide which repos are named."""
    import os

    if os.environ.get("MIMETIC_OSS_META_SKIP_REPO_ACCESS_PREFLIGHT") == "1":
        return None
    from mimetic.lanes.env import git_base_url, github_token
    from mimetic.lanes.preflight import check_repo_access

    return check_repo_access(repos, base_url=git_base_url(), token=github_token(), tmp_dir=project.tmp_dir)


def _redactions(repos: list[str], redact: bool | None, access) -> dict[str, str]:
    """slug -> why it is redacted. Without a decision from flag or manifest, a repo is named when an anonymous
    clone check read it; one that needed a token or could not be read is redacted (it may be private)."""
    from mimetic.labs import oss_meta

    if redact is True:
        return {slug: oss_meta.REDACTED_BY_FLAG for slug in repos}
    if redact is False or access is None:
        return {}
    return oss_meta.redacted_by_access(access)


# What a dry run proves and what it does not (said in every dry-run result, so `ok: true` hides nothing).
DRY_RUN_UNPROVEN = ("Dry run: the lanes, prompts and routes are planned, but nothing was cloned or checked — the repos "
                    "named may not exist or may be unreadable, and no app was installed, started or proven. A live run "
                    "(without --dry-run) checks repo access first.")


def _meta_dry_run(project, store, ref, lanes, repos, redactions, warnings) -> LabRun:
    from mimetic.contracts.results import OssMetaLabResult
    from mimetic.labs import oss_meta
    from mimetic.labs.synthetic import write_run

    from mimetic.observer.render import observer_result

    bundle = oss_meta.build_dry_run_bundle(project, store.run_id, lanes, ref)
    write_run(store, bundle, oss_meta.assigned_repos_section(lanes))
    observer = observer_result(project, store, bundle)
    result = OssMetaLabResult(
        ok=True, run_id=store.run_id, cwd=str(project.root), dry_run=True, live_requested=False, count=len(lanes),
        repos=oss_meta.shown_repos(lanes, repos), repo_labels=oss_meta.repo_labels(lanes),
        redact_repos=bool(redactions), redacted=oss_meta.redaction_records(lanes, redactions),
        verdict=bundle.review.verdict, assignments=[lane.assignment() for lane in lanes],
        bundle_path=f"{store.artifact_root}/run.json", observer=observer.to_json(), observer_url=observer.observer_url,
        warnings=[*warnings, DRY_RUN_UNPROVEN],
    )
    return LabRun(result, 0, store)
