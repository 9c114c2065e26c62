"""Plan every change `init` would make, then apply it (or not) by mode.

Planning reads only; applying creates new files exclusively, so a file that is not there at
planning time and appears before the write is still never overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from mimetic.contracts.results import ErrorInfo
from mimetic.contracts.setup_results import InitChange, InitMode, InitResult
from mimetic.errors import MimeticError
from mimetic.init import gitignore, package_json
from mimetic.init.scaffold import STARTER_FILES, starter_bytes
from mimetic.project import RUNTIME_DIRS, Project

CONFIRMATION_HINT = "Run with --dry-run --json to inspect or --yes to apply."
OVERWRITE_WARNING = "Skipped existing {path}; Mimetic never overwrites user files during init."


@dataclass(frozen=True)
class PlannedChange:
    change: InitChange
    content: bytes | None = None  # what a create/update writes; None for mkdir and skip


@dataclass
class InitPlan:
    project: Project
    changes: list[PlannedChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, path: str, action: str, target: str, reason: str, content: bytes | None = None) -> None:
        self.changes.append(PlannedChange(InitChange(path=path, action=action, target=target, reason=reason), content))


def _require_kind(project: Project, relative: str, *, directory: bool) -> Path:
    """The path, after checking that it and its parents are not the wrong kind of thing."""
    path = project.root / relative
    parts = Path(relative).parts
    for depth in range(1, len(parts) + 1):
        candidate = project.root.joinpath(*parts[:depth])
        wants_dir = directory or depth < len(parts)
        if candidate.is_symlink():  # `mimetic -> /elsewhere` would make init write outside the project
            raise MimeticError(
                "MIMETIC_SYMLINKED_PLANE",
                f"{Path(*parts[:depth]).as_posix()} is a symbolic link; init never writes through one. Nothing was written.",
            )
        if candidate.exists() and candidate.is_dir() != wants_dir:
            kind = "a directory" if wants_dir else "a file"
            raise MimeticError(
                "MIMETIC_INIT_PATH_CONFLICT",
                f"{Path(*parts[:depth]).as_posix()} exists but init needs it to be {kind}. Nothing was written.",
            )
    return path


def _plan_source(plan: InitPlan) -> None:
    for relative in STARTER_FILES:
        display = f"mimetic/{relative}"
        path = _require_kind(plan.project, display, directory=False)
        content = starter_bytes(relative)
        if not path.exists():
            plan.add(display, "create", "source", "starter file", content)
        elif path.read_bytes() == content:
            plan.add(display, "skip", "source", "already matches starter")
        else:
            plan.add(display, "skip", "source", "existing file would not be overwritten")
            plan.warnings.append(OVERWRITE_WARNING.format(path=display))


def _plan_runtime(plan: InitPlan) -> None:
    for relative in RUNTIME_DIRS:
        path = _require_kind(plan.project, relative, directory=True)
        if path.is_dir():
            plan.add(relative, "skip", "runtime", "already exists")
        else:
            plan.add(relative, "mkdir", "runtime", "ignored runtime state")


def _plan_gitignore(plan: InitPlan) -> None:
    path = _require_kind(plan.project, ".gitignore", directory=False)
    text = path.read_text(encoding="utf-8", errors="surrogateescape") if path.exists() else ""
    missing = gitignore.missing_rules(text)
    if not missing:
        plan.add(".gitignore", "skip", "gitignore", "already ignores .mimetic/ and .env* (keeping .env.example)")
        return
    content = gitignore.patched(text, missing).encode("utf-8", errors="surrogateescape")
    action = "update" if path.exists() else "create"
    plan.add(".gitignore", action, "gitignore", f"add {', '.join(missing)}", content)


def _plan_package_json(plan: InitPlan) -> None:
    path = _require_kind(plan.project, "package.json", directory=False)
    if not path.exists():
        if (plan.project.root / "pyproject.toml").is_file():
            plan.add("package.json", "skip", "package-json", "no package.json (pyproject.toml project: call mimetic directly)")
        else:
            plan.add("package.json", "skip", "package-json", "no package.json")
            plan.warnings.append("No package.json found; npm scripts were not added. Call mimetic directly "
                                 "(for example `mimetic doctor`).")
        return
    patch = package_json.patch_scripts(path.read_bytes())
    if patch.conflicts:
        kept = ", ".join(f"{name} ({json.dumps(value)})" for name, value in patch.conflicts.items())
        plan.warnings.append(f"Preserved existing script values for {kept}; Mimetic never overwrites user scripts.")
    if patch.text is not None:
        plan.add("package.json", "update", "package-json", f"add scripts {', '.join(patch.added)}",
                 patch.text.encode("utf-8"))
    elif patch.conflicts:
        plan.add("package.json", "skip", "package-json",
                 f"kept existing values for {', '.join(patch.conflicts)}; no scripts missing")
    else:
        plan.add("package.json", "skip", "package-json", "Mimetic scripts already present")


def plan_init(project: Project) -> InitPlan:
    # Planning only reads, so an invalid package.json stops init before anything is written.
    plan = InitPlan(project)
    _plan_source(plan)
    _plan_runtime(plan)
    _plan_gitignore(plan)
    _plan_package_json(plan)
    return plan


def _replace_keeping_mode(path: Path, content: bytes) -> None:
    from mimetic.bundle.store import atomic_write_bytes

    mode = path.stat().st_mode & 0o7777
    atomic_write_bytes(path, content)
    os.chmod(path, mode)


def apply_plan(plan: InitPlan) -> None:
    for planned in plan.changes:
        change, path = planned.change, plan.project.root / planned.change.path
        try:
            if change.action == "mkdir":
                path.mkdir(parents=True, exist_ok=True)
            elif change.action == "create":
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("xb") as handle:
                    handle.write(planned.content or b"")
            elif change.action == "update":
                _replace_keeping_mode(path, planned.content or b"")
        except FileExistsError:
            raise MimeticError("MIMETIC_INIT_PATH_CONFLICT",
                               f"{change.path} appeared while init was running; it was not overwritten.") from None
        except OSError as exc:
            raise MimeticError("MIMETIC_INIT_WRITE_FAILED", f"Could not write {change.path}: {exc.strerror}") from None


def run_init(project: Project, *, dry_run: bool, yes: bool) -> InitResult:
    """Plan, then apply only with `yes` and without `dry_run` (dry-run wins)."""
    mode: InitMode = "dry-run" if dry_run else "applied" if yes else "needs-confirmation"
    try:
        plan = plan_init(project)
    except MimeticError as error:
        error.result = InitResult(ok=False, mode=mode, cwd=str(project.root))
        raise
    except OSError as exc:
        raise MimeticError("MIMETIC_INIT_READ_FAILED", f"Could not read {exc.filename}: {exc.strerror}",
                           result=InitResult(ok=False, mode=mode, cwd=str(project.root))) from None
    if mode == "applied":
        apply_plan(plan)
    error = None
    if mode == "needs-confirmation":
        error = ErrorInfo(code="MIMETIC_CONFIRMATION_REQUIRED",
                          message=f"init writes files in the project; nothing was written. {CONFIRMATION_HINT}")
    return InitResult(ok=error is None, mode=mode, cwd=str(project.root),
                      changes=[planned.change for planned in plan.changes], warnings=plan.warnings, error=error)
