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
from mimetic.lanes.node_version import Version, fits, node_requirement

RUNNABLE_SCRIPTS = ("dev", "start", "serve", "preview")
LOCKFILES = (
    ("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), ("bun.lockb", "bun"), ("bun.lock", "bun"),
    ("package-lock.json", "npm"), ("npm-shrinkwrap.json", "npm"),
)
KNOWN_MANAGERS = ("npm", "pnpm", "yarn", "bun")
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
YARN_PATH = re.compile(r"^yarnPath:\s*(.+)$", re.MULTILINE)
STATIC_PORT = 8000
# Dev servers whose port and listen address are set by flags (`--port`, and `--host` or Next's `--hostname`),
# with the port each uses by default. Anything else gets PORT/HOST in its env and is looked for on 3000 too.
DEV_SERVERS = {"next": 3000, "vite": 5173, "astro": 4321}
DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")
PORT_IN_SCRIPT = re.compile(r"(?:--port|(?<![\w-])-p)(?:=|\s+)(\d{2,5})\b|\bPORT=(\d{2,5})\b")
HOST_IN_SCRIPT = re.compile(r"(?:--host(?:name)?|(?<![\w-])-H)\b")
REGISTRY_URL = re.compile(r"^https?://\S+$")
# A monorepo's `turbo run dev`: turbo's default strict env mode would drop the lane's PORT/HOST on the way to its
# dev servers, so they would listen on their defaults instead of the port the host gave the lane.
TURBO_IN_SCRIPT = re.compile(r"\bturbo\b")


def _blocked(reason: str, **fields) -> AppRunnerPlan:
    return AppRunnerPlan(ok=False, reason=reason, **{"framework": "none", **fields})


def _read_package(repo: Path) -> dict | None:
    try:
        data = json.loads((repo / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def detect_package_manager(package: dict, repo: Path) -> tuple[str, str | None, str, list[str]]:
    """(manager, exact version from packageManager or None, source, warnings)."""
    warnings: list[str] = []
    field = package.get("packageManager")
    if isinstance(field, str) and "@" in field:
        name, _, version = field.partition("@")
        version = version.split("+")[0]  # drop the +sha512.… integrity suffix
        if name in KNOWN_MANAGERS:
            return name, (version if EXACT_VERSION.match(version) else None), "packageManager", warnings
    for lockfile, manager in LOCKFILES:
        if (repo / lockfile).is_file():
            return manager, None, "lockfile", warnings
    specs = [v for f in DEPENDENCY_FIELDS for v in (package.get(f) or {}).values() if isinstance(v, str)]
    if any(spec.startswith(("catalog:", "workspace:")) for spec in specs):
        warnings.append("package.json uses pnpm catalog:/workspace: specifiers, which npm cannot install; using pnpm.")
        return "pnpm", None, "default", warnings
    return "npm", None, "default", warnings


def _is_yarn_berry(version: str | None, repo: Path) -> bool:
    if version:
        return int(version.split(".")[0]) >= 2
    return (repo / ".yarnrc.yml").is_file()


def yarn_path(repo: Path) -> str | None:
    """The checked-in Yarn release `.yarnrc.yml` points at (`yarnPath:`), when it exists inside the repo."""
    try:
        text = (repo / ".yarnrc.yml").read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        return None
    match = YARN_PATH.search(text)
    if not match:
        return None
    relative = match.group(1).strip().strip("'\"")
    target = (repo / relative).resolve()
    # Only a release file inside the clone; the lane runs it with node, like `yarn` itself would.
    return relative if target.is_relative_to(repo.resolve()) and target.is_file() else None


def _runner(manager: str, yarn_release: str | None) -> list[str] | None:
    """The argv prefix that reaches the manager; the lane's bootstrap re-resolves it (corepack, then a
    lane-local install of the exact version from the npm registry), this is what it starts from."""
    if yarn_release:
        return ["node", yarn_release]
    if shutil.which(manager):
        return [manager]
    if manager in ("pnpm", "yarn") and shutil.which("corepack"):
        return ["corepack", manager]
    if manager in ("pnpm", "yarn") and shutil.which("npm"):
        return [manager]  # fetched into the lane from the npm registry
    return None


def _static_plan(repo: Path, port: int | None, host: str) -> AppRunnerPlan | None:
    """A plain static site (index.html at the root, no package.json): mimetic serves it itself."""
    if not (repo / "index.html").is_file():
        return None
    listen = port or STATIC_PORT
    return AppRunnerPlan(
        ok=True, package_manager=None, package_manager_source="none", install_mode="skip", script=None,
        framework="static", port=listen, script_port=listen,
        start=["python3", "-m", "http.server", "--bind", host, "--directory", ".", str(listen)], start_env={},
        warnings=["No package.json: index.html at the root is served as a static site by Python's http.server."],
    )


def install_command(manager: str, runner: list[str], *, berry: bool, disposable: bool,
                    registry: str | None = None) -> tuple[list[str], dict[str, str]]:
    """Lifecycle scripts stay off except in a disposable sandbox (where pnpm builds are allowed, as upstream).

    `registry` is the one this machine's npm uses: a repo's own `.npmrc`/`.yarnrc.yml` may name a regional
    mirror this machine cannot reach. The lockfile's integrity hashes keep the packages the same; scoped
    registries (`@scope:registry=`) stay the repo's."""
    flag = [f"--registry={registry}"] if registry else []
    if manager == "npm":
        return [*runner, "install", "--no-audit", "--no-fund", "--ignore-scripts", *flag], {}
    if manager == "pnpm":
        return [*runner, "install", *([] if disposable else ["--ignore-scripts"]), *flag], {}
    if manager == "yarn":
        if berry:  # Yarn 4 rejects --ignore-scripts (and --registry); it reads its settings from the env instead
            return [*runner, "install"], {"YARN_ENABLE_SCRIPTS": "0", "YARN_ENABLE_TELEMETRY": "0",
                                          **({"YARN_NPM_REGISTRY_SERVER": registry} if registry else {})}
        return [*runner, "install", "--ignore-scripts", "--non-interactive", *flag], {}
    return [*runner, "install", "--ignore-scripts", *flag], {}


def pick_script(scripts: dict) -> tuple[str, str] | None:
    """The first of dev/start/serve/preview, preferring one that runs a dev server mimetic knows."""
    present = [(name, scripts[name]) for name in RUNNABLE_SCRIPTS
               if isinstance(scripts.get(name), str) and scripts[name].strip()]
    preferred = [item for item in present if framework_of(item[1]) != "generic"]
    return (preferred or present or [None])[0]


def framework_of(command: str) -> str:
    return next((name for name in DEV_SERVERS if re.search(rf"\b{name}\b", command)), "generic")


def script_port(command: str, framework: str) -> int:
    match = PORT_IN_SCRIPT.search(command)
    if match:
        return int(match.group(1) or match.group(2))
    return DEV_SERVERS.get(framework, 3000)


def plan_app(repo: Path, *, port: int | None = None, host: str = "127.0.0.1", disposable: bool = False,
             host_node: Version | None = None, registry: str | None = None) -> AppRunnerPlan:
    """Plan install + start for the app in `repo`; `port` overrides where it listens (one free port per lane);
    `host_node` is the Node on this machine (provisioning is planned when it does not fit the repo's);
    `registry` is the npm registry this machine uses, which installs go to."""
    package = _read_package(repo)
    if package is None:
        return _static_plan(repo, port, host) or _blocked(
            "Nothing to start: the repo has no readable package.json (so no dev/start/serve/preview script) and no "
            "index.html at its root to serve.")
    scripts = package.get("scripts") if isinstance(package.get("scripts"), dict) else {}
    picked = pick_script(scripts)
    manager, version, source, warnings = detect_package_manager(package, repo)
    if picked is None:
        return _blocked("Nothing to start: package.json has none of the dev/start/serve/preview scripts.",
                        package_manager=manager, package_manager_source=source, warnings=warnings)
    script, command = picked
    framework = framework_of(command)
    named_port = script_port(command, framework)
    listen_port = port or named_port
    berry = manager == "yarn" and _is_yarn_berry(version, repo)
    release = yarn_path(repo) if berry else None
    runner = _runner(manager, release)
    if runner is None:
        return _blocked(f"The repo needs {manager} (from its {source}), but neither {manager}, corepack nor npm (to "
                        f"fetch it) is installed.", package_manager=manager, package_manager_source=source,
                        script=script, framework=framework, warnings=warnings)
    node = node_requirement(package, repo)
    provision = node is not None and host_node is not None and fits(host_node, node) is False
    install, install_env = install_command(manager, runner, berry=berry, disposable=disposable,
                                           registry=registry if registry and REGISTRY_URL.match(registry) else None)
    extra: list[str] = []
    if framework == "generic" and TURBO_IN_SCRIPT.search(command) and "--env-mode" not in command:
        extra += ["--env-mode=loose"]
    if framework in DEV_SERVERS:
        if port and not PORT_IN_SCRIPT.search(command):
            extra += ["--port", str(listen_port)] + (["--strictPort"] if framework == "vite" else [])
        if not HOST_IN_SCRIPT.search(command):
            extra += ["--hostname" if framework == "next" else "--host", host]
    start = [*runner, "run", script] + (["--", *extra] if extra and manager == "npm" else extra)
    return AppRunnerPlan(
        ok=True, package_manager=manager, package_manager_source=source, package_manager_version=version,
        package_manager_berry=berry, yarn_path=release, runner=runner,
        install_mode="run", install=install, install_env=install_env,
        script=script, framework=framework, port=listen_port, script_port=named_port, start=start,
        start_env={"HOST": host, "PORT": str(listen_port), "BROWSER": "none"}, warnings=warnings,
        node_requirement=node.spec if node else None, node_requirement_source=node.source if node else None,
        node_pinned=bool(node and node.pinned), node_provision=provision,
    )


def shell_assignments(plan: AppRunnerPlan) -> str:
    """The plan as bash assignments the bootstrap can `eval` (every value shell-quoted)."""
    from shlex import quote

    def array(values) -> str:
        return "(" + " ".join(quote(v) for v in values) + ")"

    skip = len(plan.runner)
    lines = {
        "app_runnable": "1" if plan.ok else "0",
        # Nothing to start is `blocked` with a reason that says so (never a pass); so is a script we cannot run.
        "app_unrunnable_status": "blocked",
        "app_reason": quote(plan.reason),
        "pm": quote(plan.package_manager or ""),
        "app_script": quote(plan.script or ""),
        "app_framework": quote(plan.framework),
        "app_port": quote(str(plan.port or "")),
        "app_script_port": quote(str(plan.script_port or "")),
        "pm_version": quote(plan.package_manager_version or ""),
        "pm_berry": "1" if plan.package_manager_berry else "0",
        "yarn_path": quote(plan.yarn_path or ""),
        "pm_runner": array(plan.runner),
        # The runner is resolved again in the lane (corepack or a lane-local install); these follow it.
        "install_args": array(plan.install[skip:]),
        "install_env": array(f"{k}={v}" for k, v in plan.install_env.items()),
        "start_args": array(plan.start[skip:]),
        "node_spec": quote(plan.node_requirement or ""),
        "node_source": quote(plan.node_requirement_source or ""),
        "node_pinned": "1" if plan.node_pinned else "0",
        "node_provision": "1" if plan.node_provision else "0",
        "start_env": array(f"{k}={v}" for k, v in plan.start_env.items()),
    }
    return "".join(f"{name}={value}\n" for name, value in lines.items())
