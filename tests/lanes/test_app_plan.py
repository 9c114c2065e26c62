"""Planning how a lane installs and starts an app: manager, script, framework, port, pitfalls."""

from __future__ import annotations

import json
import subprocess

import pytest

from mimetic.lanes import app_plan
from mimetic.lanes.app_plan import plan_app, shell_assignments


def _repo(tmp_path, package: dict | None, *files: str):
    if package is not None:
        (tmp_path / "package.json").write_text(json.dumps(package))
    for name in files:
        (tmp_path / name).write_text("")
    return tmp_path


@pytest.fixture(autouse=True)
def _every_manager_is_installed(monkeypatch):
    monkeypatch.setattr(app_plan.shutil, "which", lambda name: f"/usr/bin/{name}")


@pytest.mark.parametrize(("package", "files", "manager", "source"), [
    ({"packageManager": "pnpm@9.1.0"}, ("package-lock.json",), "pnpm", "packageManager"),
    ({}, ("pnpm-lock.yaml",), "pnpm", "lockfile"),
    ({}, ("yarn.lock",), "yarn", "lockfile"),
    ({}, ("bun.lockb",), "bun", "lockfile"),
    ({}, ("package-lock.json",), "npm", "lockfile"),
    ({}, (), "npm", "default"),
    ({"dependencies": {"ui": "catalog:"}}, (), "pnpm", "default"),
])
def test_the_package_manager_follows_packagemanager_then_the_lockfile(tmp_path, package, files, manager, source):
    plan = plan_app(_repo(tmp_path, {"scripts": {"dev": "vite"}, **package}, *files))
    assert (plan.package_manager, plan.package_manager_source) == (manager, source)
    assert plan.install[0] == manager


def test_yarn_4_installs_without_ignore_scripts_and_disables_scripts_through_its_env(tmp_path):
    plan = plan_app(_repo(tmp_path, {"packageManager": "yarn@4.1.0", "scripts": {"dev": "vite"}}))
    assert plan.install == ["yarn", "install"] and plan.install_env["YARN_ENABLE_SCRIPTS"] == "0"
    classic = plan_app(_repo(tmp_path, {"packageManager": "yarn@1.22.0", "scripts": {"dev": "vite"}}))
    assert "--ignore-scripts" in classic.install


def test_npm_installs_quietly_without_lifecycle_scripts(tmp_path):
    plan = plan_app(_repo(tmp_path, {"scripts": {"start": "node server.js"}}))
    assert plan.install == ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"]


def test_dev_start_serve_preview_prefer_a_next_or_vite_command(tmp_path):
    plan = plan_app(_repo(tmp_path, {"scripts": {"dev": "node tools/watch.js", "start": "vite --port 4000"}}))
    assert (plan.script, plan.framework, plan.script_port) == ("start", "vite", 4000)
    plain = plan_app(_repo(tmp_path, {"scripts": {"serve": "node a.js", "preview": "node b.js"}}))
    assert (plain.script, plain.framework, plain.script_port) == ("serve", "generic", 3000)


@pytest.mark.parametrize(("command", "port"), [
    ("vite", 5173), ("next dev -p 4100", 4100), ("PORT=8080 node server.js", 8080), ("vite --port=5999", 5999),
    ("node server.js", 3000), ("astro dev", 4321),
])
def test_the_script_port_comes_from_the_command_else_the_framework_default(tmp_path, command, port):
    assert plan_app(_repo(tmp_path, {"scripts": {"dev": command}})).script_port == port


def test_an_assigned_port_and_host_reach_vite_through_flags_and_every_app_through_env(tmp_path):
    plan = plan_app(_repo(tmp_path, {"scripts": {"dev": "vite"}}), port=41000, host="127.0.0.1")
    assert plan.start == ["npm", "run", "dev", "--", "--port", "41000", "--strictPort", "--host", "127.0.0.1"]
    assert plan.start_env == {"HOST": "127.0.0.1", "PORT": "41000", "BROWSER": "none"}
    nxt = plan_app(_repo(tmp_path, {"packageManager": "pnpm@9.0.0", "scripts": {"dev": "next dev"}}), port=41001)
    assert nxt.start == ["pnpm", "run", "dev", "--port", "41001", "--hostname", "127.0.0.1"]
    turbo = plan_app(_repo(tmp_path, {"packageManager": "pnpm@10.20.0", "scripts": {"dev": "turbo run dev"}}),
                     port=41003)
    assert turbo.start == ["pnpm", "run", "dev", "--env-mode=loose"]  # turbo passes the env on only when loose
    assert turbo.start_env["PORT"] == "41003"
    astro = plan_app(_repo(tmp_path, {"scripts": {"dev": "astro dev"}}), port=41002)
    assert (astro.framework, astro.script) == ("astro", "dev")
    assert astro.start == ["npm", "run", "dev", "--", "--port", "41002", "--host", "127.0.0.1"]


@pytest.mark.parametrize("package", [None, {"scripts": {"test": "jest", "build": "tsc"}}])
def test_a_repo_without_a_runnable_script_fails_closed(tmp_path, package):
    plan = plan_app(_repo(tmp_path, package))
    assert not plan.ok and plan.framework == "none" and plan.start == []
    assert plan.reason.startswith("Nothing to start")
    assert "app_unrunnable_status=blocked\n" in shell_assignments(plan)


def test_a_missing_manager_without_corepack_is_a_clear_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(app_plan.shutil, "which", lambda name: None)
    plan = plan_app(_repo(tmp_path, {"scripts": {"dev": "vite"}}, "pnpm-lock.yaml"))
    assert not plan.ok and "needs pnpm" in plan.reason
    assert "app_unrunnable_status=blocked\n" in shell_assignments(plan)


def test_the_shell_assignments_survive_bash_eval_with_awkward_values(tmp_path):
    plan = plan_app(_repo(tmp_path, {"scripts": {"dev": "node 'my server.js' $(touch pwned)"}}), port=4000)
    script = shell_assignments(plan) + 'printf "%s\\n" "${pm_runner[@]}" "${start_args[@]}" "${start_env[@]}" "$app_port"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.splitlines() == ["npm", "run", "dev", "HOST=127.0.0.1", "PORT=4000", "BROWSER=none", "4000"]
    assert not (tmp_path / "pwned").exists()


def test_packagemanager_pins_the_exact_version_without_its_integrity_suffix(tmp_path):
    plan = plan_app(_repo(tmp_path, {"packageManager": "yarn@1.22.22+sha512.a6b2f79", "scripts": {"dev": "vite"}}))
    assert (plan.package_manager, plan.package_manager_version, plan.package_manager_berry) == ("yarn", "1.22.22", False)
    assert "pm_version=1.22.22\n" in shell_assignments(plan)


def test_a_yarn_berry_repo_with_yarnpath_runs_its_checked_in_release(tmp_path):
    repo = _repo(tmp_path, {"packageManager": "yarn@3.6.1", "scripts": {"dev": "next dev"}}, "yarn.lock")
    (repo / ".yarn" / "releases").mkdir(parents=True)
    (repo / ".yarn" / "releases" / "yarn-3.6.1.cjs").write_text("// yarn\n")
    (repo / ".yarnrc.yml").write_text("nodeLinker: node-modules\n\nyarnPath: .yarn/releases/yarn-3.6.1.cjs\n")
    plan = plan_app(repo, port=41002)
    assert plan.package_manager_berry and plan.yarn_path == ".yarn/releases/yarn-3.6.1.cjs"
    assert plan.runner == ["node", ".yarn/releases/yarn-3.6.1.cjs"]
    assert plan.install[:3] == ["node", ".yarn/releases/yarn-3.6.1.cjs", "install"]
    assert plan.install_env["YARN_ENABLE_SCRIPTS"] == "0"  # berry takes no --ignore-scripts


def test_a_yarnpath_outside_the_clone_is_not_run(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "package.json").write_text(json.dumps({"packageManager": "yarn@4.1.0", "scripts": {"dev": "vite"}}))
    (tmp_path / "evil.cjs").write_text("")
    (repo / ".yarnrc.yml").write_text("yarnPath: ../evil.cjs\n")
    plan = plan_app(repo)
    assert plan.yarn_path is None and plan.runner == ["yarn"]


def test_a_static_site_without_package_json_is_served_by_mimetic(tmp_path):
    plan = plan_app(_repo(tmp_path, None, "index.html"), port=41003, host="127.0.0.1")
    assert plan.ok and plan.framework == "static" and plan.install_mode == "skip" and plan.port == 41003
    assert plan.start == ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", ".", "41003"]


@pytest.mark.parametrize(("package", "files", "host", "provision"), [
    ({"engines": {"node": ">=24"}}, {}, (20, 20, 2), True),
    ({"engines": {"node": "^20.19 || >=22.12"}}, {}, (20, 20, 2), False),
    ({}, {".nvmrc": "v24\n"}, (20, 20, 2), True),
    ({}, {".nvmrc": "18.18.2\n"}, (18, 20, 0), False),  # a pin asks for its release line
    ({}, {".node-version": "lts/*\n"}, (20, 20, 2), False),  # an alias asks for nothing in particular
    ({"volta": {"node": "22.1.0"}}, {}, (20, 20, 2), True),
    ({"devEngines": {"runtime": {"name": "node", "version": ">=24.15.0", "onFail": "error"}}}, {}, (20, 20, 2), True),
    ({"devEngines": {"runtime": [{"name": "bun", "version": "1"}, {"name": "node", "version": ">=20"}]}}, {},
     (20, 20, 2), False),
])
def test_node_is_provisioned_only_when_this_machines_does_not_fit_the_repo(tmp_path, package, files, host, provision):
    repo = _repo(tmp_path, {"scripts": {"dev": "vite"}, **package})
    for name, text in files.items():
        (repo / name).write_text(text)
    plan = plan_app(repo, host_node=host)
    assert plan.node_provision is provision
    assert f"node_provision={int(provision)}\n" in shell_assignments(plan)


@pytest.mark.parametrize(("package", "flagged"), [
    ({}, True),  # npm
    ({"packageManager": "pnpm@11.1.0"}, True),
    ({"packageManager": "yarn@1.22.22"}, True),
    ({"packageManager": "yarn@4.1.0"}, False),  # berry: through YARN_NPM_REGISTRY_SERVER
])
def test_installs_go_to_the_registry_this_machines_npm_uses_not_a_mirror_the_repo_names(tmp_path, package, flagged):
    repo = _repo(tmp_path, {"scripts": {"dev": "vite"}, **package})
    (repo / ".npmrc").write_text("registry=https://registry.npmmirror.com/\n")
    plan = plan_app(repo, registry="https://registry.npmjs.org/")
    assert ("--registry=https://registry.npmjs.org/" in plan.install) is flagged
    assert (plan.install_env.get("YARN_NPM_REGISTRY_SERVER") == "https://registry.npmjs.org/") is not flagged
    assert "--registry" not in " ".join(plan.start)  # only the install fetches packages


@pytest.mark.parametrize("registry", [None, "", "not a url", "file:///etc"])
def test_without_a_usable_registry_the_install_keeps_the_repos_own(tmp_path, registry):
    plan = plan_app(_repo(tmp_path, {"scripts": {"dev": "vite"}}), registry=registry)
    assert plan.install == ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"]
