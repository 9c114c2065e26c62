"""`mimetic doctor`: four setup checks decide the exit code; the environment list never does."""

from __future__ import annotations

import json
import os
import shutil
import stat

from mimetic.contracts.setup_results import DoctorResult

CHECK_NAMES = ["target cwd", "project manifest", "mimetic source", "runtime ignore"]


def set_up(project, manifest="package.json"):
    (project / manifest).write_text("{}\n")
    (project / "mimetic").mkdir()
    (project / ".gitignore").write_text("/.mimetic\n")


def test_empty_project_needs_setup_and_exits_1(cli, project):
    call = cli("doctor", "--json")
    assert call.exit_code == 1
    result = DoctorResult.model_validate(call.json())
    assert [c.name for c in result.checks] == CHECK_NAMES
    assert [c.ok for c in result.checks] == [True, False, False, False]
    assert result.ok is False


def test_human_output_lists_each_check_as_ok_or_missing(cli, project):
    call = cli("doctor")
    assert call.exit_code == 1
    assert call.stdout.startswith("mimetic doctor needs setup\n")
    assert "- ok target cwd:" in call.stdout
    assert "- missing mimetic source: mimetic/ missing (run `mimetic init --yes`)" in call.stdout


def test_set_up_project_passes_and_names_its_manifest(cli, project):
    set_up(project, "pyproject.toml")
    call = cli("doctor", "--json")
    assert call.exit_code == 0
    checks = {c["name"]: c for c in call.json()["checks"]}
    assert checks["project manifest"] == {"name": "project manifest", "ok": True, "message": "pyproject.toml found"}
    assert checks["runtime ignore"]["ok"] is True
    assert cli("doctor").stdout.startswith("mimetic doctor ok\n")


def test_gitignore_without_runtime_rule_fails_runtime_ignore(cli, project):
    set_up(project)
    (project / ".gitignore").write_text("node_modules/\n# .mimetic/\n")
    call = cli("doctor", "--json")
    assert call.exit_code == 1
    assert [c["name"] for c in call.json()["checks"] if not c["ok"]] == ["runtime ignore"]


def test_missing_cwd_fails_every_check_with_exit_1(cli, project):
    call = cli("doctor", "--json", "--cwd", str(project / "missing"))
    assert call.exit_code == 1
    assert [c["ok"] for c in call.json()["checks"]] == [False] * 4


def test_environment_reports_key_names_never_values_and_never_fails(cli, project, monkeypatch):
    set_up(project)
    canary = "e2b_canary_value_that_must_not_print_1234"
    monkeypatch.setenv("E2B_API_KEY", canary)
    monkeypatch.setenv("MIMETIC_CHROMIUM", str(project / "no-such-chromium"))
    for args in (("doctor", "--json"), ("doctor",)):
        call = cli(*args)
        assert call.exit_code == 0
        assert canary not in call.stdout + call.stderr
    environment = {e["name"]: e for e in cli("doctor", "--json").json()["environment"]}
    assert set(environment) == {"E2B_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MIMETIC_ACTOR_BASE_URL", "GH_TOKEN",
                                "chromium", "bubblewrap", "git", "node", "npm", "corepack", "pnpm", "yarn", "bun"}
    assert environment["E2B_API_KEY"]["present"] is True
    assert environment["OPENAI_API_KEY"]["present"] is False
    assert environment["chromium"]["present"] is False


def test_chromium_override_is_found_when_executable(cli, project, monkeypatch):
    browser = project / "chromium"
    browser.write_text("#!/bin/sh\n")
    os.chmod(browser, browser.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("MIMETIC_CHROMIUM", str(browser))
    environment = {e["name"]: e for e in cli("doctor", "--json").json()["environment"]}
    assert environment["chromium"]["present"] is True


def test_bubblewrap_is_reported_working_only_after_a_real_sandbox_ran(cli, project):
    environment = {e["name"]: e for e in cli("doctor", "--json").json()["environment"]}
    assert environment["bubblewrap"]["present"] is True  # scripts/test installs bubblewrap
    assert "works" in environment["bubblewrap"]["message"]


def test_missing_or_broken_bubblewrap_is_reported_with_the_fix_and_never_fails_doctor(cli, project, monkeypatch):
    set_up(project)
    monkeypatch.setenv("MIMETIC_BWRAP", str(project / "no-such-bwrap"))
    call = cli("doctor", "--json")
    entry = {e["name"]: e for e in call.json()["environment"]}["bubblewrap"]
    assert call.exit_code == 0 and entry["present"] is False
    assert "apt-get install bubblewrap" in entry["message"] and "--unsandboxed" in entry["message"]

    broken = project / "bwrap"  # installed, but the kernel refuses it user namespaces
    broken.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    os.chmod(broken, 0o755)
    monkeypatch.setenv("MIMETIC_BWRAP", str(broken))
    entry = {e["name"]: e for e in cli("doctor", "--json").json()["environment"]}["bubblewrap"]
    assert entry["present"] is False
    assert "uid map: Permission denied" in entry["message"] and "user namespaces" in entry["message"]


def test_doctor_reports_the_toolchain_a_lab_needs_and_the_node_the_project_asks_for(cli, project):
    set_up(project)
    (project / "package.json").write_text(json.dumps({"packageManager": "pnpm@9.0.0", "engines": {"node": ">=99"}}))
    environment = {e["name"]: e for e in cli("doctor", "--json").json()["environment"]}
    for tool in ("git", "node", "npm", "corepack", "pnpm", "yarn", "bun"):
        entry = environment[tool]
        assert entry["kind"] == "executable" and entry["present"] is (shutil.which(tool) is not None)
    assert environment["git"]["message"].startswith(shutil.which("git"))  # where it is, and its version
    assert "This project uses it." in environment["pnpm"]["message"]
    if shutil.which("node"):
        assert "asks for Node >=99 (engines.node)" in environment["node"]["message"]
