"""Repo-access preflight with `git ls-remote` through MIMETIC_GIT_BASE_URL."""

from __future__ import annotations

from fixtures.git_repos import make_mirror

from mimetic.lanes.preflight import check_repo_access


def test_readable_slugs_pass_and_a_missing_one_fails_with_a_reason_that_names_no_local_path(tmp_path):
    mirror = make_mirror(tmp_path)
    access = check_repo_access(["fixture/todo", "fixture/missing", "fixture/todo"], base_url=mirror.base_url,
                               token=None, tmp_dir=tmp_path / "tmp")
    assert set(access) == {"fixture/todo", "fixture/missing"}
    assert access["fixture/todo"].ok and not access["fixture/todo"].with_token
    missing = access["fixture/missing"]
    assert not missing.ok and missing.reason.startswith("Repo access preflight failed for fixture/missing: git ls-remote")
    assert "no GitHub token" in missing.reason and str(mirror.path) not in missing.reason


def test_the_token_retry_goes_through_an_askpass_helper_that_is_deleted_afterwards(tmp_path):
    mirror = make_mirror(tmp_path)
    token = "canary-token-1234567"
    access = check_repo_access(["fixture/missing"], base_url=mirror.base_url, token=token, tmp_dir=tmp_path / "tmp")
    result = access["fixture/missing"]
    assert not result.ok and result.with_token and "or with the GitHub token" in result.reason
    assert token not in result.reason
    assert list((tmp_path / "tmp").glob("repo-access-*")) == []


def test_anonymous_git_env_carries_no_credential_and_keeps_proxy_settings(monkeypatch):
    from mimetic.lanes.env import anonymous_git_env

    for name in ("OPENAI_API_KEY", "E2B_API_KEY", "GH_TOKEN", "GITHUB_TOKEN"):
        monkeypatch.setenv(name, "secret-value-123456")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    env = anonymous_git_env()
    assert "secret-value-123456" not in env.values()
    assert env["HTTPS_PROXY"] == "http://proxy.invalid:3128"
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_ASKPASS"] == ""
