"""`mimetic init` through the CLI: modes, never-overwrite, .gitignore, package.json scripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mimetic.contracts.setup_results import InitResult
from mimetic.init.package_json import SCRIPTS
from mimetic.init.scaffold import STARTER_FILES, starter_bytes
from mimetic.project import RUNTIME_DIRS


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its content (None for directories)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


def write_package_json(project: Path, scripts: dict[str, str]) -> None:
    (project / "package.json").write_text(json.dumps({"name": "app", "scripts": scripts}, indent=2) + "\n")


def test_init_yes_creates_the_starter_plane_runtime_dirs_and_gitignore(cli, project):
    call = cli("init", "--yes", "--json")
    assert call.exit_code == 0
    result = InitResult.model_validate(call.json())
    assert (result.ok, result.mode, result.cwd) == (True, "applied", str(project))
    for relative in STARTER_FILES:
        assert (project / "mimetic" / relative).read_bytes() == starter_bytes(relative)
    assert all((project / relative).is_dir() for relative in RUNTIME_DIRS)
    by_target = {}
    for change in result.changes:
        by_target.setdefault(change.target, []).append(change)
    assert [c.path for c in by_target["source"]] == [f"mimetic/{r}" for r in STARTER_FILES]
    assert {c.action for c in by_target["source"]} == {"create"}
    assert [(c.path, c.action) for c in by_target["runtime"]] == [(r, "mkdir") for r in RUNTIME_DIRS]
    assert [c.action for c in by_target["gitignore"]] == ["create"]
    assert (project / ".gitignore").read_text() == "# Mimetic runtime and local secrets\n.mimetic/\n.env*\n!.env.example\n"


def test_second_init_yes_reports_every_change_as_skip_and_changes_nothing(cli, project):
    write_package_json(project, {"dev": "vite"})
    assert cli("init", "--yes", "--json").exit_code == 0
    before = tree(project)
    second = cli("init", "--yes", "--json")
    assert second.exit_code == 0
    changes = second.json()["changes"]
    assert len(changes) == 16 + 9 + 2
    assert {c["action"] for c in changes} == {"skip"}
    assert second.json()["warnings"] == []
    assert tree(project) == before


@pytest.mark.parametrize("flags", [("--dry-run",), ("--dry-run", "--yes")])
def test_dry_run_writes_nothing_even_with_yes(cli, project, flags):
    write_package_json(project, {"dev": "vite"})
    (project / ".gitignore").write_text("dist/\n")
    before = tree(project)
    call = cli("init", *flags, "--json")
    assert call.exit_code == 0
    data = call.json()
    assert (data["ok"], data["mode"]) == (True, "dry-run")
    assert {"path": "mimetic/config.yaml", "action": "create", "target": "source", "reason": "starter file"} in data["changes"]
    assert {(c["path"], c["action"]) for c in data["changes"] if c["target"] != "source"} >= {
        (".mimetic/runs", "mkdir"), (".gitignore", "update"), ("package.json", "update")}
    assert tree(project) == before


def test_without_yes_init_needs_confirmation_and_writes_nothing(cli, project):
    call = cli("init", "--json")
    assert call.exit_code == 2
    data = call.json()
    assert (data["ok"], data["mode"], data["error"]["code"]) == (False, "needs-confirmation", "MIMETIC_CONFIRMATION_REQUIRED")
    assert len(data["changes"]) == 16 + 9 + 2
    assert tree(project) == {}


def test_needs_confirmation_human_output_goes_to_stderr_and_ends_with_the_hint(cli, project):
    call = cli("init")
    assert call.exit_code == 2
    assert call.stdout == ""
    assert "mimetic init needs-confirmation" in call.stderr
    assert call.stderr.rstrip().endswith("Run with --dry-run --json to inspect or --yes to apply.")
    assert tree(project) == {}


def test_user_edited_readme_survives_with_a_warning(cli, project):
    (project / "mimetic").mkdir()
    (project / "mimetic" / "README.md").write_text("# Our own notes\n")
    data = cli("init", "--yes", "--json").json()
    assert (project / "mimetic" / "README.md").read_text() == "# Our own notes\n"
    readme = next(c for c in data["changes"] if c["path"] == "mimetic/README.md")
    assert (readme["action"], readme["reason"]) == ("skip", "existing file would not be overwritten")
    assert "Skipped existing mimetic/README.md; Mimetic never overwrites user files during init." in data["warnings"]
    assert (project / "mimetic" / "config.yaml").is_file()


def test_identical_existing_file_is_skipped_as_matching_without_warning(cli, project):
    (project / "mimetic").mkdir()
    (project / "mimetic" / "README.md").write_bytes(starter_bytes("README.md"))
    data = cli("init", "--yes", "--json").json()
    readme = next(c for c in data["changes"] if c["path"] == "mimetic/README.md")
    assert (readme["action"], readme["reason"]) == ("skip", "already matches starter")
    assert not any("mimetic/README.md" in warning for warning in data["warnings"])


def test_human_output_shows_mode_changes_and_warnings(cli, project):
    (project / "mimetic").mkdir()
    (project / "mimetic" / "README.md").write_text("mine\n")
    write_package_json(project, {})
    call = cli("init", "--yes")
    assert call.exit_code == 0
    assert call.stdout.startswith("mimetic init applied\n")
    assert "- create mimetic/config.yaml (source: starter file)" in call.stdout
    assert "mimetic:watch:ci" in call.stdout  # printed literally, not as an emoji code
    assert "warning: Skipped existing mimetic/README.md" in call.stderr


def test_existing_dev_script_is_kept_and_the_six_scripts_are_added(cli, project):
    write_package_json(project, {"dev": "vite"})
    data = cli("init", "--yes", "--json").json()
    text = (project / "package.json").read_text()
    scripts = json.loads(text)["scripts"]
    assert scripts == {"dev": "vite", **SCRIPTS}
    assert scripts["mimetic:run"] == "mimetic run --dry-run"
    assert scripts["mimetic:watch:ci"] == "mimetic watch --json --no-open"
    assert text.endswith("}\n") and '\n  "scripts": {\n    "dev": "vite",' in text
    change = next(c for c in data["changes"] if c["target"] == "package-json")
    assert change["action"] == "update"


def test_conflicting_mimetic_script_is_preserved_while_missing_ones_are_added(cli, project):
    write_package_json(project, {"mimetic": "node ./bin/mimetic.js"})
    data = cli("init", "--yes", "--json").json()
    scripts = json.loads((project / "package.json").read_text())["scripts"]
    assert scripts["mimetic"] == "node ./bin/mimetic.js"
    assert set(scripts) == set(SCRIPTS)
    assert any(w.startswith("Preserved existing script values for mimetic") for w in data["warnings"])
    again = cli("init", "--yes", "--json").json()
    change = next(c for c in again["changes"] if c["target"] == "package-json")
    assert change["action"] == "skip" and "mimetic" in change["reason"]


@pytest.mark.parametrize("text", ["{ not json", "[1, 2]"])
def test_invalid_package_json_exits_2_and_writes_nothing(cli, project, text):
    (project / "package.json").write_text(text)
    call = cli("init", "--yes", "--json")
    assert call.exit_code == 2
    data = call.json()
    assert data["schema"] == "mimetic.init-result.v1"
    assert (data["ok"], data["error"]["code"]) == (False, "MIMETIC_INVALID_PACKAGE_JSON")
    assert not (project / "mimetic").exists()
    assert tree(project) == {"package.json": text.encode()}


def test_missing_cwd_exits_2_with_invalid_cwd(cli, project):
    call = cli("init", "--yes", "--json", "--cwd", str(project / "missing"))
    assert call.exit_code == 2
    assert call.json()["error"]["code"] == "MIMETIC_INVALID_CWD"


def test_gitignore_gets_env_example_after_the_last_env_rule(cli, project):
    (project / ".gitignore").write_text("node_modules/\n!.env.example\n.env*\n")
    data = cli("init", "--yes", "--json").json()
    lines = (project / ".gitignore").read_text().splitlines()
    assert lines[:3] == ["node_modules/", "!.env.example", ".env*"]
    assert lines[-1] == "!.env.example"
    assert ".mimetic/" in lines
    last_env = max(i for i, line in enumerate(lines) if line == ".env*")
    assert lines.index("!.env.example", last_env) > last_env
    assert next(c for c in data["changes"] if c["target"] == "gitignore")["action"] == "update"


def test_pyproject_project_gets_no_package_json_and_no_warning(cli, project):
    (project / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    data = cli("init", "--yes", "--json").json()
    change = next(c for c in data["changes"] if c["target"] == "package-json")
    assert change["action"] == "skip" and "pyproject.toml" in change["reason"]
    assert data["warnings"] == []
    assert not (project / "package.json").exists()


def test_project_without_any_manifest_is_warned_that_scripts_were_not_added(cli, project):
    data = cli("init", "--yes", "--json").json()
    assert any(w.startswith("No package.json found") for w in data["warnings"])


@pytest.mark.parametrize("manifest", ["package.json", "pyproject.toml"])
def test_init_then_doctor_passes(cli, project, manifest):
    (project / manifest).write_text("{}\n" if manifest == "package.json" else "[project]\nname = 'app'\n")
    assert cli("init", "--yes").exit_code == 0
    doctor = cli("doctor", "--json")
    assert doctor.exit_code == 0
    assert doctor.json()["ok"] is True
    assert all(check["ok"] for check in doctor.json()["checks"])


def test_after_init_lab_list_shows_first_run_as_committed(cli, project):
    cli("init", "--yes")
    labs = cli("lab", "list", "--json").json()["labs"]
    first_run = [lab for lab in labs if lab["id"] == "first-run"]
    assert first_run == [{"id": "first-run", "kind": "synthetic", "origin": "committed",
                          "path": "mimetic/labs/first-run.yaml", "title": first_run[0]["title"]}]


def test_after_init_dry_run_uses_the_committed_persona_and_scenario(cli, project):
    cli("init", "--yes")
    run = cli("run", "--dry-run", "--json")
    assert run.exit_code == 0
    assert run.json()["warnings"] == []
    bundle = json.loads((project / run.json()["bundlePath"]).read_text())
    assert bundle["persona"]["id"] == "synthetic-new-user"
    assert bundle["persona"]["source"] == "mimetic/personas/synthetic-new-user.yaml"
    assert bundle["persona"]["sourceDigest"] != "builtin"
    assert bundle["scenario"]["source"] == "mimetic/scenarios/first-run-smoke.yaml"
    assert bundle["scenario"]["sourceDigest"] != "builtin"


def test_init_and_run_refuse_plane_folders_that_are_symlinks_and_write_nothing_outside(cli, project, tmp_path):
    """A hostile clone commits `mimetic -> /elsewhere` or `.mimetic/runs -> /elsewhere`."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "mimetic").symlink_to(elsewhere, target_is_directory=True)
    call = cli("init", "--yes", "--json")
    assert call.exit_code == 2 and call.json()["error"]["code"] == "MIMETIC_SYMLINKED_PLANE"
    assert list(elsewhere.iterdir()) == []

    (project / "mimetic").unlink()
    assert cli("init", "--yes", "--json").exit_code == 0
    shutil.rmtree(project / ".mimetic/runs")
    (project / ".mimetic/runs").symlink_to(elsewhere, target_is_directory=True)
    call = cli("run", "--dry-run", "--run-id", "through-link", "--json")
    assert call.exit_code == 2 and call.json()["error"]["code"] == "MIMETIC_SYMLINKED_PLANE"
    assert list(elsewhere.iterdir()) == []
