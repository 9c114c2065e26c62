"""The disposable OSS clone smoke lab (upstream §4.3): does mimetic set up cleanly in real repositories?

For each of the first `limit` repos, on the shared lane pool: shallow anonymous clone into
`.mimetic/tmp/oss-lab/<run>/<owner>__<repo>`, then `mimetic init --yes`, `mimetic doctor`, dry-run
evidence and `mimetic verify` in the clone (nested mimetic runs as `sys.executable -m mimetic`, so
it is exactly this mimetic), then what changed in the clone. A failed clone stops that repo only.
The report goes to `.mimetic/lab/oss/<run>/report.json|md`; clones are removed unless `--keep`.
Nothing is ever committed or pushed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from mimetic.bundle.store import atomic_write_json, atomic_write_text, validate_run_id
from mimetic.clock import new_run_id, now_iso
from mimetic.contracts.bundle import TARGET_CWD_MARKER
from mimetic.contracts.smoke import OssLabResult, SmokeCleanup, SmokeRepo, SmokeStep
from mimetic.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_VERDICT, MimeticError
from mimetic.interrupts import signals_held, signals_interrupt
from mimetic.labs.dispatch import LabRun
from mimetic.lanes.env import anonymous_git_env
from mimetic.lanes.pool import default_concurrency, fan_out
from mimetic.project import Project
from mimetic.safety.redact import compact_error
from mimetic.safety.slugs import clone_url, slug_token, validate_slug

CLONE_TIMEOUT_S = 120
STEP_TIMEOUT_S = 300
FOOTER = "All clones are disposable public OSS trials. Do not commit cloned target changes."


def validate_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise MimeticError("MIMETIC_INVALID_OSS_LIMIT",
                           f"--limit must be a positive whole number of repos, got {limit!r}.")
    return limit


def run_smoke(project, resolved, repos, limit, options, warnings) -> LabRun:
    slugs = [validate_slug(slug) for slug in repos[: validate_limit(limit)]]
    run_id = validate_run_id(options.run_id) if options.run_id else new_run_id("oss-lab")
    sandbox = project.tmp_dir / "oss-lab" / run_id
    report_dir = project.runtime_dir / "lab" / "oss" / run_id
    started = now_iso()
    base_url = os.environ.get("MIMETIC_GIT_BASE_URL")

    def work(slug: str, stop: threading.Event) -> SmokeRepo:
        return trial(project, sandbox, run_id, slug, base_url, stop)

    def failed(slug: str, exc: BaseException) -> SmokeRepo:
        repo = blank_repo(project, sandbox, run_id, slug, base_url)
        repo.warnings.append(compact_error(f"The trial crashed: {type(exc).__name__}: {exc}"))
        return repo

    def cancelled(slug: str) -> SmokeRepo:
        repo = blank_repo(project, sandbox, run_id, slug, base_url)
        repo.warnings.append("Interrupted before this repo started.")
        return repo

    concurrency = default_concurrency(len(slugs), options.concurrency or resolved.lab.concurrency)
    # As the meta-lab (interrupts.py): a stop signal stops the trials (fan_out settles it as `interrupted`) and
    # is held from then until the command has printed its result, so the report is never cut short.
    with signals_held():
        with signals_interrupt():
            outcome = fan_out(slugs, work, concurrency=concurrency, on_error=failed, on_cancel=cancelled)
        if not options.keep:
            shutil.rmtree(sandbox, ignore_errors=True)
        result = OssLabResult(
            ok=not outcome.interrupted and all(repo.ok for repo in outcome.results),
            run_id=run_id, cwd=str(project.root), started_at=started, completed_at=now_iso(),
            sandbox_path=project.relative(sandbox),
            report_json_path=project.relative(report_dir / "report.json"),
            report_markdown_path=project.relative(report_dir / "report.md"),
            cleanup=SmokeCleanup(kept=options.keep, sandbox_removed=not sandbox.exists()),
            repos=outcome.results, interrupted=outcome.interrupted, warnings=list(warnings),
        )
        write_report(report_dir, result, lab_id=resolved.lab.id)
        exit_code = EXIT_INTERRUPTED if outcome.interrupted else (EXIT_OK if result.ok else EXIT_VERDICT)
        return LabRun(result, exit_code, store=None)


def nested_run_id(run_id: str, slug: str) -> str:
    return f"{run_id}-{slug_token(slug)}"[:128].rstrip("-")


def blank_repo(project: Project, sandbox: Path, run_id: str, slug: str, base_url: str | None) -> SmokeRepo:
    owner, name = slug.split("/")
    return SmokeRepo(repo=slug, url=clone_url(slug, base_url), ok=False, mimetic_run_id=nested_run_id(run_id, slug),
                     clone_path=project.relative(sandbox / f"{owner}__{name}"))


def trial(project: Project, sandbox: Path, run_id: str, slug: str, base_url: str | None,
          stop: threading.Event) -> SmokeRepo:
    repo = blank_repo(project, sandbox, run_id, slug, base_url)
    clone = project.root / repo.clone_path
    repo.steps.append(git_clone(repo.url, clone))
    if not repo.steps[0].ok:
        repo.warnings.append("Clone failed; the mimetic steps were not run for this repo.")
        return repo
    nested = repo.mimetic_run_id
    plan = (
        ("mimetic init", ["init", "--yes"]),
        ("mimetic doctor", ["doctor"]),
        ("mimetic run --dry-run", ["run", "--dry-run", "--sims", "4", "--run-id", nested]),
        ("mimetic verify", ["verify", "--run", nested]),
    )
    for name, args in plan:
        if stop.is_set():
            repo.warnings.append(f"Interrupted before {name}.")
            break
        repo.steps.append(mimetic_step(name, args, clone))
    repo.changed_files = changed_files(clone)
    observer = clone / ".mimetic" / "runs" / nested / "observer" / "index.html"
    repo.observer_path = f".mimetic/runs/{nested}/observer/index.html" if observer.is_file() else None
    repo.ok = len(repo.steps) == len(plan) + 1 and all(step.ok for step in repo.steps)
    return repo


def _timed(name: str, command: list[str], *, cwd: Path | None, env: dict[str, str], timeout: int,
           summarize) -> SmokeStep:
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        ok, summary = done.returncode == 0, summarize(done)
    except subprocess.TimeoutExpired:
        ok, summary = False, f"timed out after {timeout} s"
    except OSError as exc:
        ok, summary = False, f"could not start: {exc}"
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return SmokeStep(name=name, ok=ok, summary=compact_error(summary), duration_ms=elapsed_ms)


def git_clone(url: str, clone: Path) -> SmokeStep:
    """Anonymous shallow clone: no credential helper, no prompts, no tokens, no user git config."""
    clone.parent.mkdir(parents=True, exist_ok=True)
    env = anonymous_git_env()
    command = ["git", "-c", "credential.helper=", "clone", "--depth", "1", "--quiet", url, str(clone)]

    def summarize(done: subprocess.CompletedProcess) -> str:
        if done.returncode == 0:
            return "shallow clone (depth 1)"
        lines = (done.stderr or "").strip().splitlines()
        fatal = [line for line in lines if line.startswith("fatal:")]
        return f"clone failed: {(fatal or lines or [f'git exited {done.returncode}'])[0]}"

    return _timed("clone", command, cwd=None, env=env, timeout=CLONE_TIMEOUT_S, summarize=summarize)


def mimetic_step(name: str, args: list[str], clone: Path) -> SmokeStep:
    command = [sys.executable, "-m", "mimetic", *args, "--json", "--cwd", str(clone)]
    env = {**os.environ, "MIMETIC_NO_OPEN": "1"}
    return _timed(name, command, cwd=clone, env=env, timeout=STEP_TIMEOUT_S, summarize=summarize_json)


def summarize_json(done: subprocess.CompletedProcess) -> str:
    """One line from a nested command's --json document (or its stderr when there is none)."""
    try:
        doc = json.loads(done.stdout)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        last = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return f"exit {done.returncode}: {last[0]}"
    if isinstance(doc.get("error"), dict):
        return f"{doc['error'].get('code')}: {doc['error'].get('message')}"
    if isinstance(doc.get("checks"), list):
        passed = sum(1 for check in doc["checks"] if check.get("ok"))
        failing = [check.get("name") for check in doc["checks"] if not check.get("ok")]
        return f"{passed}/{len(doc['checks'])} checks passed" + (f" (failed: {', '.join(failing)})" if failing else "")
    if doc.get("runId") and doc.get("verdict"):
        return f"run {doc['runId']}: {doc.get('simCount', '?')} sims, verdict {doc['verdict']}"
    if isinstance(doc.get("changes"), list):
        return f"{len(doc['changes'])} changes applied"
    return "ok" if done.returncode == 0 else f"exit {done.returncode}"


def changed_files(clone: Path) -> list[str]:
    """`git status --short --untracked-files=all` in the clone: what mimetic's setup would add or change."""
    import git

    try:
        output = git.Repo(clone).git.status("--short", "--untracked-files=all")
    except (git.GitError, OSError):
        return []
    return [line.rstrip() for line in output.splitlines() if line.strip()]


def write_report(report_dir: Path, result: OssLabResult, *, lab_id: str) -> None:
    data = result.to_json()
    data["cwd"] = TARGET_CWD_MARKER  # files under .mimetic never hold the absolute project path
    atomic_write_json(report_dir / "report.json", data)
    atomic_write_text(report_dir / "report.md", report_markdown(result, lab_id))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(result: OssLabResult, lab_id: str) -> str:
    sandbox = "removed" if result.cleanup.sandbox_removed else f"kept at `{result.sandbox_path}`"
    lines = [
        f"# Mimetic OSS smoke lab: {lab_id}", "",
        f"- Run: `{result.run_id}`", f"- Result: {'passed' if result.ok else 'failed'}",
        f"- Started: {result.started_at}", f"- Completed: {result.completed_at}", f"- Clones: {sandbox}", "",
        "| Repo | Result | Steps | Changed files |", "| --- | --- | --- | --- |",
    ]
    for repo in result.repos:
        passed = sum(1 for step in repo.steps if step.ok)
        lines.append(f"| {_cell(repo.repo)} | {'pass' if repo.ok else 'fail'} | {passed}/{len(repo.steps)} "
                     f"| {len(repo.changed_files)} |")
    for repo in result.repos:
        lines += ["", f"## {repo.repo}", ""]
        lines += [f"- {'ok' if step.ok else 'fail'} {step.name}: {step.summary} ({step.duration_ms} ms)"
                  for step in repo.steps] or ["- No steps ran."]
        lines += [f"- warning: {warning}" for warning in repo.warnings]
        if repo.changed_files:
            lines += ["", "Changed files in the disposable clone:", "", "```"] + repo.changed_files + ["```"]
    if result.warnings:
        lines += ["", "## Warnings", ""] + [f"- {warning}" for warning in result.warnings]
    lines += ["", FOOTER]
    return "\n".join(lines) + "\n"
