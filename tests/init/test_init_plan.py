"""Planning reads only; applying never overwrites, even a file that appears after planning."""

from __future__ import annotations

import os
import stat

import pytest

from mimetic.errors import MimeticError
from mimetic.init.plan import apply_plan, plan_init, run_init
from mimetic.project import open_project


def test_a_file_where_init_needs_a_directory_stops_init_before_writing(project):
    (project / "mimetic").write_text("not a directory\n")
    with pytest.raises(MimeticError) as caught:
        run_init(open_project(project), dry_run=False, yes=True)
    assert caught.value.code == "MIMETIC_INIT_PATH_CONFLICT"
    assert "mimetic exists" in caught.value.message
    assert sorted(p.name for p in project.iterdir()) == ["mimetic"]


def test_a_file_created_between_plan_and_apply_is_not_overwritten(project):
    plan = plan_init(open_project(project))
    (project / "mimetic").mkdir()
    (project / "mimetic" / "README.md").write_text("written by the user meanwhile\n")
    with pytest.raises(MimeticError) as caught:
        apply_plan(plan)
    assert caught.value.code == "MIMETIC_INIT_PATH_CONFLICT"
    assert (project / "mimetic" / "README.md").read_text() == "written by the user meanwhile\n"


def test_updating_gitignore_and_package_json_keeps_their_file_mode(project):
    for name, text in ((".gitignore", "dist/\n"), ("package.json", "{}\n")):
        (project / name).write_text(text)
        os.chmod(project / name, 0o640)
    result = run_init(open_project(project), dry_run=False, yes=True)
    updated = {c.path for c in result.changes if c.action == "update"}
    assert updated == {".gitignore", "package.json"}
    for name in updated:
        assert stat.S_IMODE((project / name).stat().st_mode) == 0o640


def test_created_starter_files_get_the_usual_mode_for_new_files(project):
    # Source files are committed and shared; they must not inherit a private temp-file mode (0600).
    umask = os.umask(0)
    os.umask(umask)
    run_init(open_project(project), dry_run=False, yes=True)
    assert stat.S_IMODE((project / "mimetic" / "config.yaml").stat().st_mode) == 0o666 & ~umask
