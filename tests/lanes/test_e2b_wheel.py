"""The wheel of the running mimetic that E2B lanes install: built once from the checkout, then cached."""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from mimetic import __version__
from mimetic.errors import MimeticError
from mimetic.lanes import wheel as wheel_module
from mimetic.project import Project


def test_wheel_is_built_from_the_checkout_and_reused_from_the_cache(project, monkeypatch):
    root = wheel_module.source_checkout()
    assert root is not None and (root / "src" / "mimetic").is_dir()
    had_build_dir = (root / "build").exists()

    built = wheel_module.build_wheel(Project(project))

    assert built.parent.parent == project / ".mimetic" / "tmp" / "wheels"
    assert built.name == f"mimetic_cli-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"mimetic_cli-{__version__}.dist-info/METADATA").decode()
    assert {"mimetic/__init__.py", "mimetic/lanes/e2b.py", "mimetic/lanes/bootstrap.sh"} <= names
    assert "Name: mimetic-cli" in metadata
    assert (root / "build").exists() == had_build_dir  # built from a copy, never in the working tree

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cached wheel should have been reused")

    monkeypatch.setattr(subprocess, "run", no_rebuild)
    assert wheel_module.build_wheel(Project(project)) == built


def test_outside_a_checkout_the_wheel_is_refused_with_a_clear_message(project, monkeypatch):
    monkeypatch.setattr(wheel_module, "source_checkout", lambda: None)
    with pytest.raises(MimeticError) as err:
        wheel_module.build_wheel(Project(project))
    assert err.value.code == "MIMETIC_WHEEL_UNAVAILABLE" and "--substrate local" in err.value.message
