"""npm scripts: add only missing ones, keep user values, reject what is not a JSON object."""

from __future__ import annotations

import json

import pytest

from mimetic.errors import MimeticError
from mimetic.init.package_json import SCRIPTS, patch_scripts


def test_missing_scripts_are_added_after_existing_ones_with_two_space_json():
    original = json.dumps({"name": "app", "scripts": {"dev": "vite"}, "version": "1.0.0"}, indent=4)
    patch = patch_scripts(original)
    assert patch.added == list(SCRIPTS)
    assert patch.text.endswith("}\n") and '\n  "name": "app"' in patch.text
    data = json.loads(patch.text)
    assert list(data) == ["name", "scripts", "version"]
    assert list(data["scripts"]) == ["dev", *SCRIPTS]


def test_conflicting_values_are_reported_and_kept():
    patch = patch_scripts(json.dumps({"scripts": {"mimetic": "npx mimetic@latest"}}))
    assert patch.conflicts == {"mimetic": "npx mimetic@latest"}
    assert json.loads(patch.text)["scripts"]["mimetic"] == "npx mimetic@latest"


def test_complete_scripts_produce_no_rewrite():
    assert patch_scripts(json.dumps({"scripts": SCRIPTS})).text is None


@pytest.mark.parametrize("text", ["{", "[]", '"app"', '{"scripts": ["mimetic"]}'])
def test_invalid_package_json_raises_invalid_package_json(text):
    with pytest.raises(MimeticError) as caught:
        patch_scripts(text)
    assert caught.value.code == "MIMETIC_INVALID_PACKAGE_JSON"


def test_undecodable_package_json_is_invalid_not_a_crash():
    with pytest.raises(MimeticError) as caught:
        patch_scripts(b'{"name": "\xff"}')
    assert caught.value.code == "MIMETIC_INVALID_PACKAGE_JSON"
