"""The Node a repo asks for: semver ranges as package.json files write them, and which release to fetch."""

from __future__ import annotations

import pytest

from mimetic.lanes.node_version import NodeRequirement, fits, pick_release, satisfies, versions_from_npm_view


@pytest.mark.parametrize(("version", "spec", "expected"), [
    ((24, 1, 0), ">=24", True), ((20, 20, 2), ">=24", False),
    ((20, 20, 2), "^20.19 || >=22.12", True), ((20, 18, 0), "^20.19 || >=22.12", False),
    ((22, 12, 0), "^20.19 || >=22.12", True), ((18, 17, 1), "~18.17", True), ((18, 18, 0), "~18.17", False),
    ((20, 1, 0), "20.x", True), ((21, 0, 0), "20.x", False), ((19, 0, 0), "18 - 20", True),
    ((20, 9, 9), "18 - 20", True), ((21, 0, 0), "18 - 20", False), ((24, 0, 0), ">=18 <23", False),
    ((16, 0, 0), ">= 18.0.0", False), ((20, 0, 0), "*", True), ((24, 0, 0), "<=24", True), ((25, 0, 0), "<=24", False),
])
def test_satisfies_reads_the_ranges_engines_fields_use(version, spec, expected):
    assert satisfies(version, spec) is expected


def test_an_unreadable_range_is_unknown_not_false():
    assert satisfies((20, 0, 0), ">=banana") is None


def test_a_pin_is_satisfied_by_its_major_line():
    pin = NodeRequirement("18.18.2", ".nvmrc", pinned=True)
    assert fits((18, 20, 0), pin) is True and fits((20, 0, 0), pin) is False


def test_the_release_fetched_is_the_newest_of_the_lowest_major_that_fits():
    versions = versions_from_npm_view('["22.1.0", "24.0.0", "24.9.3", "25.2.0", "26.0.0"]')
    assert pick_release(versions, NodeRequirement(">=24", "engines.node", pinned=False)) == "24.9.3"
    assert pick_release(versions, NodeRequirement("24", ".nvmrc", pinned=True)) == "24.9.3"
    assert pick_release(versions_from_npm_view('"18.18.2"'), NodeRequirement("18.18.2", ".nvmrc", pinned=True)) == "18.18.2"
    assert pick_release(versions, NodeRequirement(">=99", "engines.node", pinned=False)) is None
