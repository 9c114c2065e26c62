"""No input, however malformed, raises anything but a clean validation error."""

from __future__ import annotations

import json
import string
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mimetic.bundle.store import contained, validate_run_id
from mimetic.contracts.manifests import Config, Lab, NetworkPolicy, Persona, Scenario
from mimetic.errors import MimeticError
from mimetic.manifests import load_manifest
from mimetic.safety.envfile import parse_env_text
from mimetic.safety.slugs import normalize_repos, validate_slug
from mimetic.safety.urls import validate_app_url

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
lab_keys = st.sampled_from(["schema", "id", "kind", "title", "sims", "count", "limit", "repos", "defaults", "actor",
                            "substrate", "concurrency", "persona", "scenario", "bogus"])
lab_like = st.dictionaries(lab_keys, json_values, max_size=8).map(
    lambda d: {"schema": "mimetic.lab.v1", "id": "x", "kind": "synthetic", **d})


@FUZZ
@given(data=lab_like)
def test_lab_model_only_raises_validation_errors(data):
    try:
        Lab.model_validate(data)
    except ValidationError:
        pass


@FUZZ
@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=6), model=st.sampled_from(
    [Persona, Scenario, Config, NetworkPolicy]))
def test_other_manifest_models_only_raise_validation_errors(data, model):
    try:
        model.model_validate(data)
    except ValidationError:
        pass


@FUZZ
@given(text=st.text(max_size=300))
def test_manifest_loader_turns_any_text_into_a_model_or_a_mimetic_error(tmp_path, text):
    path = tmp_path / "lab.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_manifest(path, Lab, display="lab.yaml")
    except MimeticError as error:
        assert error.code == "MIMETIC_LAB_INVALID" and error.message.startswith("lab.yaml")


slug_chars = st.text(alphabet=string.ascii_letters + string.digits + "/._-:@ ~\\", max_size=40)


@FUZZ
@given(raw=slug_chars)
def test_slug_validation_accepts_only_owner_repo(raw):
    try:
        slug = validate_slug(raw)
    except MimeticError as error:
        assert error.code == "MIMETIC_INVALID_OSS_REPO"
        return
    owner, repo = slug.split("/")
    assert owner and repo and ".." not in slug


@FUZZ
@given(flags=st.lists(slug_chars, max_size=3), csv=st.none() | slug_chars)
def test_repo_normalisation_returns_valid_slugs_or_a_clean_error(flags, csv):
    try:
        for slug in normalize_repos(flags, csv):
            assert validate_slug(slug) == slug
    except MimeticError as error:
        assert error.code == "MIMETIC_INVALID_OSS_REPO"


@FUZZ
@given(url=st.text(max_size=60) | st.builds(lambda h, q: f"http://{h}/?{q}", st.text(max_size=15), st.text(max_size=15)))
def test_app_url_validation_only_accepts_loopback(url):
    try:
        clean = validate_app_url(url)
    except MimeticError as error:
        assert error.code == "MIMETIC_INVALID_APP_URL"
        return
    assert urlsplit(clean).hostname in {"localhost", "127.0.0.1", "::1"}


@FUZZ
@given(text=st.text(max_size=200))
def test_env_file_parser_returns_pairs_or_a_line_numbered_error(text):
    try:
        pairs = parse_env_text(text)
    except MimeticError as error:
        assert error.code == "MIMETIC_ENV_FILE_INVALID" and "line" in error.message
        return
    assert all(name.isidentifier() for name, _ in pairs)


# --- committed personas and scenarios, through the CLI that loads them -------------------------------

CLI_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
persona_keys = st.sampled_from(["schema", "id", "name", "summary", "traits", "constraints", "mood"])
scenario_keys = st.sampled_from(["schema", "id", "title", "goal", "persona", "mode", "steps", "browser", "extra"])


def _documents(keys, base: dict):
    # A valid base with random fields laid over it; JSON is YAML, so the mapping dumps as a manifest.
    # Raw text covers syntax errors and non-mapping documents.
    mapping = st.dictionaries(keys, json_values, max_size=3).map(lambda d: {**base, **d})
    return st.one_of(st.text(max_size=200), mapping.map(json.dumps))


@pytest.mark.parametrize(("relative", "keys", "base", "code"), [
    ("mimetic/personas/synthetic-new-user.yaml", persona_keys,
     {"schema": "mimetic.persona.v1", "id": "synthetic-new-user", "name": "New user"}, "MIMETIC_PERSONA_INVALID"),
    ("mimetic/scenarios/first-run-smoke.yaml", scenario_keys,
     {"schema": "mimetic.scenario.v1", "id": "first-run-smoke", "title": "First run", "goal": "Reach the first screen."},
     "MIMETIC_SCENARIO_INVALID"),
])
def test_any_committed_persona_or_scenario_gives_a_dry_run_or_a_file_named_error(cli, project, relative, keys, base,
                                                                                 code):
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    exits: set[int] = set()

    @CLI_FUZZ
    @given(text=_documents(keys, base))
    def check(text):
        path.write_text(text, encoding="utf-8")
        result = cli("run", "--dry-run", "--json")
        data = result.json()
        exits.add(result.exit_code)
        if result.exit_code == 0:
            assert data["verdict"] == "contract_proof_only"
            return
        assert result.exit_code == 2 and data["error"]["code"] == code, data
        assert data["error"]["message"].startswith(f"{relative}:"), data

    check()
    assert exits == {0, 2}  # both a loadable and a refused document were exercised


# --- run ids and run-relative paths ---------------------------------------------------------------

path_chars = st.text(alphabet=string.ascii_letters + string.digits + "./-_~:%\\ ", max_size=40)


@FUZZ
@given(run_id=st.text(max_size=140) | path_chars)
def test_run_ids_are_either_safe_path_segments_or_a_clean_error(run_id):
    try:
        checked = validate_run_id(run_id)
    except MimeticError as error:
        assert error.code == "MIMETIC_INVALID_RUN_ID"
        return
    assert checked == run_id and "/" not in run_id and ".." not in run_id and len(run_id) <= 128


@FUZZ
@given(relative=path_chars)
def test_a_run_relative_path_resolves_inside_the_run_or_is_refused(tmp_path, relative):
    root = tmp_path / "run"
    try:
        path = contained(root, relative)
    except MimeticError as error:
        assert error.code == "MIMETIC_PATH_OUTSIDE_RUN"
        return
    assert path == root.resolve() or root.resolve() in path.parents
