"""This repository dogfoods itself: its committed mimetic/ is the starter plus the OSS labs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimetic.init.scaffold import BUNDLED_LABS_DIR, STARTER_FILES, starter_bytes

REPO_SOURCE = Path(__file__).resolve().parents[2] / "mimetic"
DOGFOOD_LABS = ("labs/oss.yaml", "labs/oss-smoke.yaml")


def test_repository_source_plane_holds_the_starter_and_the_oss_labs_only():
    committed = {p.relative_to(REPO_SOURCE).as_posix() for p in REPO_SOURCE.rglob("*") if p.is_file()}
    assert committed == {*STARTER_FILES, *DOGFOOD_LABS}


@pytest.mark.parametrize("relative", STARTER_FILES)
def test_repository_starter_file_matches_what_init_scaffolds(relative):
    assert (REPO_SOURCE / relative).read_bytes() == starter_bytes(relative)


@pytest.mark.parametrize("relative", DOGFOOD_LABS)
def test_repository_oss_lab_matches_the_bundled_lab(relative):
    assert (REPO_SOURCE / relative).read_bytes() == (BUNDLED_LABS_DIR / Path(relative).name).read_bytes()
