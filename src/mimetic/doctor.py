"""`mimetic doctor`: is this project set up for Mimetic, and what can this machine run?

The four checks decide the exit code. The environment list is informational: keys and a browser
are only needed for live lanes, so their absence never fails doctor (and values are never read out).
"""

from __future__ import annotations

import os
from pathlib import Path

from mimetic.contracts.results import Check
from mimetic.contracts.setup_results import DoctorResult, EnvironmentEntry
from mimetic.errors import MimeticError
from mimetic.init.gitignore import RUNTIME_PATTERN, ignores_runtime

PROJECT_MANIFESTS = ("package.json", "pyproject.toml")
ENV_VARS = {
    "E2B_API_KEY": "hosted E2B desktops (without it, live lanes run on this machine)",
    "OPENAI_API_KEY": "the openai-cua computer-use actor",
    "ANTHROPIC_API_KEY": "the anthropic computer-use actor",
    "MIMETIC_ACTOR_BASE_URL": "the openai-compatible actor's endpoint (a local vision model)",
    "GH_TOKEN": "cloning private GitHub repositories",
}


def _project_checks(root: Path) -> list[Check]:
    if not root.is_dir():
        missing = "target cwd is not a directory"
        return [
            Check(name="target cwd", ok=False, message=f"{root} does not exist or is not a directory"),
            Check(name="project manifest", ok=False, message=missing),
            Check(name="mimetic source", ok=False, message=missing),
            Check(name="runtime ignore", ok=False, message=missing),
        ]
    manifests = [name for name in PROJECT_MANIFESTS if (root / name).is_file()]
    gitignore = root / ".gitignore"
    ignored = gitignore.is_file() and ignores_runtime(gitignore.read_text(encoding="utf-8", errors="replace"))
    return [
        Check(name="target cwd", ok=True, message=str(root)),
        Check(name="project manifest", ok=bool(manifests),
              message=f"{' and '.join(manifests)} found" if manifests
              else "no package.json or pyproject.toml (run doctor from the project root)"),
        Check(name="mimetic source", ok=(root / "mimetic").is_dir(),
              message="mimetic/ found" if (root / "mimetic").is_dir() else "mimetic/ missing (run `mimetic init --yes`)"),
        Check(name="runtime ignore", ok=ignored,
              message=f".gitignore ignores {RUNTIME_PATTERN}" if ignored
              else f".gitignore does not ignore {RUNTIME_PATTERN} (run `mimetic init --yes`)"),
    ]


def _manifest_check(root: Path) -> Check:
    """Every authored YAML under mimetic/ loads as its schema says (the same loader every run uses)."""
    from mimetic.contracts.base import Manifest
    from mimetic.contracts.registry import schema_models
    from mimetic.manifests import load_manifest, load_yaml

    models = schema_models()
    paths = sorted([*(root / "mimetic").rglob("*.yaml"), *(root / "mimetic").rglob("*.yml")])
    loaded = 0
    for path in paths:
        display = path.relative_to(root).as_posix()
        try:
            data = load_yaml(path, "MIMETIC_MANIFEST_INVALID", display)
            model = models.get(data.get("schema")) if isinstance(data, dict) else None
            if model is not None and issubclass(model, Manifest):
                load_manifest(path, model, display=display)
                loaded += 1
        except MimeticError as error:
            return Check(name="mimetic manifests", ok=False, message=f"{error.code}: {error.message}")
    return Check(name="mimetic manifests", ok=True, message=f"{loaded} manifest(s) load")


def _environment() -> list[EnvironmentEntry]:
    entries = [
        EnvironmentEntry(name=name, kind="env-var", present=bool(os.environ.get(name)),
                         message=f"{'set' if os.environ.get(name) else 'not set'}; used for {purpose}")
        for name, purpose in ENV_VARS.items()
    ]
    from mimetic.browser.chromium import DEFAULT_CHROMIUM, find_chromium

    try:  # the same lookup the browser proof uses, so doctor never disagrees with a run
        browser, found = find_chromium(), True
    except MimeticError:
        browser, found = os.environ.get("MIMETIC_CHROMIUM", "").strip() or DEFAULT_CHROMIUM, False
    entries.append(EnvironmentEntry(
        name="chromium", kind="executable", present=found,
        message=f"{browser} {'found' if found else 'not found'} (local browser proof; set MIMETIC_CHROMIUM to override)",
    ))
    entries.append(_bubblewrap())
    from mimetic.actors.availability import actor_models

    entries += [EnvironmentEntry(name=f"actor model: {m.kind} {m.model or '(none)'}", kind="actor-model",
                                 present=m.available, message=m.message) for m in actor_models()]
    return entries


def _bubblewrap() -> EnvironmentEntry:
    """Local lanes run repository code inside bwrap: doctor really starts one (`bwrap --ro-bind / / true`)."""
    from mimetic.lanes.sandbox import bwrap_problem, find_bwrap

    problem = bwrap_problem()
    message = (f"{find_bwrap()} works (local lanes run sandboxed)" if problem is None
               else f"{problem} Without it, --substrate local refuses to run repository code unless --unsandboxed.")
    return EnvironmentEntry(name="bubblewrap", kind="executable", present=problem is None, message=message)


TOOLS = {
    "git": "cloning repos (every lab)",
    "node": "starting apps in local lanes",
    "npm": "npm repos, and fetching a missing Node or package manager from the npm registry",
    "corepack": "pnpm and yarn at the version a repo pins (packageManager)",
    "pnpm": "pnpm repos (else corepack, else the npm registry)",
    "yarn": "yarn repos (else corepack, else the npm registry; yarn berry repos with yarnPath use their own)",
    "bun": "bun repos only",
}


def _version(executable: str) -> str:
    import subprocess

    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=20,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "(did not answer --version)"
    lines = done.stdout.strip().splitlines()
    return lines[-1].strip() if done.returncode == 0 and lines else "(did not answer --version)"


def _toolchain(root: Path) -> list[EnvironmentEntry]:
    """git, node, npm, corepack and each package manager: found (with its version) or how a lane copes without."""
    import shutil

    from mimetic.lanes.app_plan import detect_package_manager
    from mimetic.lanes.node_version import fits, node_requirement, parse_version

    package = None
    if (root / "package.json").is_file():
        import json

        try:
            package = json.loads((root / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            package = None
    own = detect_package_manager(package, root)[0] if isinstance(package, dict) else None
    entries = []
    for tool, purpose in TOOLS.items():
        path = shutil.which(tool)
        version = _version(path) if path else ""
        needed = " This project uses it." if tool == own else ""
        if tool == "node" and path and isinstance(package, dict):
            wanted, have = node_requirement(package, root), parse_version(version)
            if wanted and have and fits(have, wanted) is False:
                needed = (f" This project asks for Node {wanted.spec} ({wanted.source}); local lanes fetch it from the "
                          "npm registry.")
        message = (f"{path} {version}" if path else "not found") + f"; used for {purpose}.{needed}"
        entries.append(EnvironmentEntry(name=tool, kind="executable", present=bool(path), message=message))
    return entries


def run_doctor(cwd: str | Path) -> DoctorResult:
    root = Path(cwd).expanduser().resolve()
    checks = _project_checks(root)
    if (root / "mimetic").is_dir():
        checks.append(_manifest_check(root))
    return DoctorResult(ok=all(check.ok for check in checks), cwd=str(root), checks=checks,
                        environment=_environment() + _toolchain(root))
