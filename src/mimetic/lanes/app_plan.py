"""How a lane installs and starts a cloned app: package manager, runnable script, framework, port.

A pure function of the repo's files (upstream §4.5), with the field lessons of upstream §9.1 #8/#9:
the lockfile's manager is respected (pnpm `catalog:` specifiers never go to npm), Yarn 4 installs
take no `--ignore-scripts` flag (scripts are disabled through its env instead), and nothing runs
when no dev/start/serve/preview script exists.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from mimetic.contracts.lanes import AppRunnerPlan

RUNNABLE_SCRIPTS = ("dev", "start", "serve", "preview")
LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), ("bun.lockb", "bun"), ("bun.lock", "bun"),
    ("package-lock.json", "npm"), ("npm-shrinkwrap.json", "npm"),
)
KNOWN_MANAGERS = ("npm", "pnpm", "yarn", "bun")
DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")
PORT_IN_SCRIPT = re.compile(r"(?:--port|(?<![\w-])-p)(?:=|\s+)(\d{2,5})\b|\bPORT=(\d{2,5})\b")
HOST_IN_SCRIPT = re.compile(r"(?:--host(?:name)?|(?<![\w-])-H)\b")


def _blocked(reason: str, **fields) -> AppRunnerPlan:
    return AppRunnerPlan(ok=False, reason=reason, **{"framework": "none", **fields})


def _read_package(repo: Path) -> dict | None:
    try:
        data = json.loads((repo / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def detect_package_manager(package: dict, repo: Path) -> tuple[str, str | None, str, list[str]]:
    """(manager, major version or None, source, warnings)."""
    warnings: list[str] = []
    field = package.get("packageManager")
    if isinstance(field, str) and "@" in field:
        name, _, version = field.partition("@")
        if name in KNOWN_MANAGERS:
            return name, version.split(".")[0] or None, "packageManager", warnings
    for lockfile, manager in LOCKFILES:
        if (repo / lockfile).is_file():
            return manager, None, "lockfile", warnings
    specs = [v for f in DEPENDENCY_FIELDS for v in (package.get(f) or {}).values() if isinstance(v, str)]
    if any(spec.startswith(("catalog:", "workspace:")) for spec in specs):
        warnings.append("package.json uses pnpm catalog:/workspace: specifiers, which npm cannot install; using pnpm.")
        return "pnpm", None, "default", warnings
    return "npm", None, "default", warnings


def _is_yarn_berry(version: str | None, repo: Path) -> bool:
    if version and version.isdigit():
        return int(version) >= 2
    return (repo / ".yarnrc.yml").is_file()


def _runner(manager: str) -> list[str] | None:
    """The argv prefix that reaches the manager: its own binary, else through corepack."""
    if shutil.which(manager):
        return [manager]
    if manager in ("pnpm", "yarn") and shutil.which("corepack"):
        return ["corepack", manager]
    return None


def install_command(manager: str, runner: list[str], *, berry: bool, disposable: bool) -> tuple[list[str], dict[str, str]]:
    """Lifecycle scripts stay off except in a disposable sandbox (where pnpm builds are allowed, as upstream)."""
    if manager == "npm":
        return [*runner, "install", "--no-audit", "--no-fund", "--ignore-scripts"], {}
    if manager == "pnpm":
        return [*runner, "install", *([] if disposable else ["--ignore-scripts"])], {}
    if manager == "yarn":
        if berry:  # Yarn 4 rejects --ignore-scripts; it reads YARN_ENABLE_SCRIPTS instead
            return [*runner, "install"], {"YARN_ENABLE_SCRIPTS": "0", "YARN_ENABLE_TELEMETRY": "0"}
        return [*runner, "install", "--ignore-scripts", "--non-interactive"], {}
    return [*runner, "install", "--ignore-scripts"], {}


def pick_script(scripts: dict) -> tuple[str, str] | None:
    """The first of dev/start/serve/preview, preferring one that runs next or vite."""
    present = [(name, scripts[name]) for name in RUNNABLE_SCRIPTS
               if isinstance(scripts.get(name), str) and scripts[name].strip()]
    preferred = [item for item in present if re.search(r"\b(next|vite)\b", item[1])]
    return (preferred or present or [None])[0]


def framework_of(command: str) -> str:
    if re.search(r"\bnext\b", command):
        return "next"
    if re.search(r"\bvite\b", command):
        return "vite"
    return "generic"


def script_port(command: str, framework: str) -> int:
    match = PORT_IN_SCRIPT.search(command)
    if match:
        return int(match.group(1) or match.group(2))
    return 5173 if framework == "vite" else 3000


def plan_app(repo: Path, *, port: int | None = None, host: str = "127.0.0.1", disposable: bool = False) -> AppRunnerPlan:
    """Plan install + start for the app in `repo`; `port` overrides where it listens (one free port per lane)."""
    package = _read_package(repo)
    if package is None:
        return _blocked("No runnable script: the repo has no readable package.json, so there is no dev/start/serve/preview "
                        "script to start.")
    scripts = package.get("scripts") if isinstance(package.get("scripts"), dict) else {}
    picked = pick_script(scripts)
    manager, version, source, warnings = detect_package_manager(package, repo)
    if picked is None:
        return _blocked("No runnable script: package.json has none of dev/start/serve/preview.",
                        package_manager=manager, package_manager_source=source, warnings=warnings)
    script, command = picked
    framework = framework_of(command)
    named_port = script_port(command, framework)
    listen_port = port or named_port
    runner = _runner(manager)
    if runner is None:
        return _blocked(f"The repo needs {manager} (from its {source}), but neither {manager} nor corepack is installed.",
                        package_manager=manager, package_manager_source=source, script=script, framework=framework,
                        warnings=warnings)
    berry = manager == "yarn" and _is_yarn_berry(version, repo)
    install, install_env = install_command(manager, runner, berry=berry, disposable=disposable)
    extra: list[str] = []
    if framework in ("vite", "next"):
        if port and not PORT_IN_SCRIPT.search(command):
            extra += ["--port", str(listen_port)] + (["--strictPort"] if framework == "vite" else [])
        if not HOST_IN_SCRIPT.search(command):
            extra += ["--host" if framework == "vite" else "--hostname", host]
    start = [*runner, "run", script] + (["--", *extra] if extra and manager == "npm" else extra)
    return AppRunnerPlan(
        ok=True, package_manager=manager, package_manager_source=source,
        install_mode="run", install=install, install_env=install_env,
        script=script, framework=framework, port=listen_port, script_port=named_port, start=start,
        start_env={"HOST": host, "PORT": str(listen_port), "BROWSER": "none"}, warnings=warnings,
    )


def shell_assignments(plan: AppRunnerPlan) -> str:
    """The plan as bash assignments the bootstrap can `eval` (every value shell-quoted)."""
    from shlex import quote

    def array(values) -> str:
        return "(" + " ".join(quote(v) for v in values) + ")"

    lines = {
        "app_runnable": "1" if plan.ok else "0",
        # No runnable script: the app is `missing`; a script we cannot run (no package manager): `blocked`.
        "app_unrunnable_status": "missing" if plan.script is None else "blocked",
        "app_reason": quote(plan.reason),
        "pm": quote(plan.package_manager or ""),
        "app_script": quote(plan.script or ""),
        "app_framework": quote(plan.framework),
        "app_port": quote(str(plan.port or "")),
        "app_script_port": quote(str(plan.script_port or "")),
        "install_cmd": array(plan.install),
        "install_env": array(f"{k}={v}" for k, v in plan.install_env.items()),
        "start_cmd": array(plan.start),
        "start_env": array(f"{k}={v}" for k, v in plan.start_env.items()),
    }
    return "".join(f"{name}={value}\n" for name, value in lines.items())
