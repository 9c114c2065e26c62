"""`mimetic lab preflight <lab>`: everything a live run of the lab needs, checked before any spend.

  manifest  the lab, the personas and scenario it names (every problem listed, not only the first)
  repo      each repository answers an anonymous `git ls-remote` (under MIMETIC_GIT_BASE_URL when set)
  app-url   a study's app URL is a loopback URL that answers HTTP (< 500)
  key       each provider the run would call has its key (E2B for e2b lanes, the actor's, the judge's)
  model     each model exists for that key: one `models.retrieve` (a metadata read, never a model turn)
  cost      the ceiling: lanes x the actor's per-lane USD cap, bounded by its per-run cap

Nothing is started: no lane, no sandbox, no browser, no model turn. `ok` is false (exit 1) when
anything is missing or failed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from mimetic.contracts.manifests import Lab, Persona, Scenario
from mimetic.contracts.study import PreflightCheck, PreflightResult
from mimetic.errors import MimeticError
from mimetic.labs.catalog import ResolvedLab
from mimetic.project import Project
from mimetic.safety.redact import compact_error, register_secret

TIMEOUT_S = 30.0
KEY_NAMES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "e2b": "E2B_API_KEY"}
ACTOR_PROVIDERS = {"openai-cua": "openai"}  # actor kind -> the provider whose key and models it uses


def _check(kind: str, name: str, status: str, message: str) -> PreflightCheck:
    return PreflightCheck(kind=kind, name=name, status=status, message=compact_error(message, 400))


def _manifests(project: Project, lab: Lab) -> list[PreflightCheck]:
    from mimetic.manifests import load_manifest

    checks = []
    named = [("personas", pid, Persona) for pid in (lab.personas or ([lab.persona] if lab.persona else []))]
    if lab.scenario:
        named.append(("scenarios", lab.scenario, Scenario))
    elif lab.kind == "study":
        checks.append(_check("manifest", "scenario", "missing", "A study lab needs scenario: <id of a scenario with tasks>."))
    for folder, source_id, model in named:
        path = project.source_dir / folder / f"{source_id}.yaml"
        display = project.relative(path)
        if not path.is_file():
            checks.append(_check("manifest", display, "missing", f"{display} does not exist."))
            continue
        try:
            loaded = load_manifest(path, model, display=display)
        except MimeticError as exc:
            checks.append(_check("manifest", display, "failed", exc.message))
            continue
        if lab.kind == "study" and model is Scenario and not loaded.tasks:
            checks.append(_check("manifest", display, "failed", f"{display} has no tasks; a study needs tasks."))
            continue
        checks.append(_check("manifest", display, "ok", "valid"))
    return checks


def _repos(lab: Lab) -> tuple[list[str], list[PreflightCheck]]:
    from mimetic.safety.slugs import DEFAULT_REPOS, normalize_repos

    if lab.kind not in ("oss-meta", "oss-smoke"):
        return [], []
    try:
        return normalize_repos(lab.repos or []) or list(DEFAULT_REPOS), []
    except MimeticError as exc:
        return [], [_check("manifest", "repos", "failed", exc.message)]


def _repo_checks(slugs: list[str]) -> list[PreflightCheck]:
    from mimetic.lanes.env import git_base_url, github_token
    from mimetic.lanes.preflight import check_repo_access

    if not slugs:
        return []
    with tempfile.TemporaryDirectory(prefix="mimetic-preflight-") as tmp:
        found = check_repo_access(slugs, base_url=git_base_url(), token=github_token(), tmp_dir=Path(tmp))
    return [_check("repo", slug, "ok" if access.ok else "failed",
                   ("readable" + (" with the GitHub token" if access.with_token else " anonymously")) if access.ok
                   else access.reason) for slug, access in found.items()]


def _app_url_check(project: Project, url: str | None) -> list[PreflightCheck]:
    import httpx

    from mimetic.browser.proof import allowed_hosts
    from mimetic.safety.urls import validate_app_url

    if not url:
        return [_check("app-url", "appUrl", "missing", "The study names no app URL: set appUrl in the lab or pass --app-url.")]
    try:
        url = validate_app_url(url, allowed_hosts(project))
    except MimeticError as exc:
        return [_check("app-url", "appUrl", "failed", exc.message)]
    try:
        status = httpx.get(url, timeout=TIMEOUT_S, follow_redirects=True).status_code
    except httpx.HTTPError as exc:
        return [_check("app-url", url, "failed", f"{url} did not answer: {type(exc).__name__}: {exc}")]
    if status >= 500:
        return [_check("app-url", url, "failed", f"{url} answered HTTP {status}.")]
    return [_check("app-url", url, "ok", f"answered HTTP {status}")]


def _providers(lab: Lab) -> list[tuple[str, str, Any]]:
    """(provider, why, the model provider or None) for every provider a live run would use."""
    from mimetic.actors.registry import make_actor
    from mimetic.studies.judge import grader

    needed: list[tuple[str, str, Any]] = []
    if lab.substrate == "e2b":
        needed.append(("e2b", "the lab's e2b lanes", None))
    actor = lab.actor
    if actor is not None and actor.kind not in ("none", "scripted"):
        provider = ACTOR_PROVIDERS.get(actor.kind, actor.kind)
        needed.append((provider, f"the {actor.kind} actor", getattr(make_actor(actor.kind, model=actor.model),
                                                                    "provider", None)))
    if lab.judge is not None:
        needed.append((lab.judge.provider, "the judge", grader(lab.judge.provider, lab.judge.model)[0]))
    return needed


def _model_check(provider: str, model_provider: Any) -> PreflightCheck:
    """`check_model` (a metadata read, no model turn) as a check; a model the key cannot use is `missing`."""
    name = f"{provider}:{model_provider.model}"
    found = model_provider.check_model(TIMEOUT_S)
    if found.available:
        return _check("model", name, "ok", "available (models.retrieve)")
    if found.kind == "model":
        return _check("model", name, "missing", f"{found.reason}: it was shut down, renamed, or this key cannot use "
                                                "it. Pick another model before running.")
    return _check("model", name, "failed", f"Could not confirm the model: {found.reason}")


def _key_and_model_checks(lab: Lab) -> list[PreflightCheck]:
    checks: list[PreflightCheck] = []
    seen: set[tuple[str, str | None]] = set()
    for provider, why, model_provider in _providers(lab):
        model = getattr(model_provider, "model", None)
        if (provider, model) in seen:
            continue
        seen.add((provider, model))
        key_name = KEY_NAMES.get(provider)
        if key_name is None:
            checks.append(_check("key", provider, "failed", f"Unknown provider {provider!r} for {why}."))
            continue
        key = (os.environ.get(key_name) or "").strip()
        if not key:
            checks.append(_check("key", key_name, "missing", f"{key_name} is not set ({why} needs it); export it or "
                                                             "load it with --env-file."))
            if model:
                checks.append(_check("model", f"{provider}:{model}", "skipped", f"not checked: {key_name} is missing."))
            continue
        register_secret(key)
        checks.append(_check("key", key_name, "ok", f"set ({why})"))
        if model_provider is not None:
            checks.append(_model_check(provider, model_provider))
    return checks


def lane_count(lab: Lab, repos: list[str]) -> int:
    if lab.kind == "study":
        return len(lab.personas or [lab.persona or "default"])
    if lab.kind == "synthetic":
        return lab.sims or lab.count or 4
    if lab.kind == "oss-smoke":
        return lab.limit or lab.count or len(repos)
    return lab.count or lab.sims or len(repos)


def cost_ceiling(lab: Lab, lanes: int) -> tuple[float | None, PreflightCheck]:
    actor = lab.actor
    if actor is None or actor.kind in ("none", "scripted"):
        return 0.0, _check("cost", "ceiling", "ok", "No model actor: the run makes no paid model call.")
    per_lane, per_run = actor.max_usd_per_lane, actor.max_usd_per_run
    ceilings = [value for value in (per_lane * lanes if per_lane else None, per_run) if value is not None]
    if not ceilings:
        return None, _check("cost", "ceiling", "ok", "No USD cap is set (actor.maxUsdPerLane / maxUsdPerRun): the "
                                                    "cost is bounded only by steps and time.")
    ceiling = round(min(ceilings), 4)
    how = f"{lanes} lane(s) x ${per_lane:g}" if per_lane else "the run cap"
    judge = " The judge's calls are extra." if lab.judge else ""
    return ceiling, _check("cost", "ceiling", "ok", f"At most ${ceiling:g} ({how}"
                                                    + (f", run cap ${per_run:g}" if per_run and per_lane else "") + ")."
                                                    + judge)


def preflight_lab(project: Project, resolved: ResolvedLab, *, app_url: str | None = None) -> PreflightResult:
    lab = resolved.lab
    checks = [_check("manifest", resolved.display, "ok", f"valid {lab.kind} lab")]
    checks += _manifests(project, lab)
    repos, repo_problems = _repos(lab)
    checks += repo_problems + _repo_checks(repos)
    if lab.kind == "study":
        checks += _app_url_check(project, app_url or lab.app_url)
    checks += _key_and_model_checks(lab)
    lanes = lane_count(lab, repos)
    ceiling, cost = cost_ceiling(lab, lanes)
    checks.append(cost)
    ok = all(check.status in ("ok", "skipped") for check in checks)
    return PreflightResult(ok=ok, cwd=str(project.root), lab=lab.id, kind=lab.kind, path=resolved.display, lanes=lanes,
                           cost_ceiling_usd=ceiling, checks=checks, warnings=list(resolved.warnings))
