import pytest

from mimetic.errors import MimeticError
from mimetic.safety.slugs import clone_url, normalize_repos, slug_token, validate_slug


@pytest.mark.parametrize(
    "bad",
    ["https://github.com/a/b", "git@github.com:a/b.git", "../x", "a/b/c", "a", "/abs/path", "a/..", "a/b.git",
     "ghp_token/x y", "a//b", "./a/b", "a b/c", "", "acme/app\n", "acme/app\r\n"],
)
def test_non_slug_repo_inputs_are_rejected_with_the_oss_repo_code(bad):
    with pytest.raises(MimeticError) as info:
        validate_slug(bad)
    assert info.value.code == "MIMETIC_INVALID_OSS_REPO"


def test_repo_flags_then_csv_are_split_trimmed_and_deduplicated_in_first_order():
    assert normalize_repos(["c/d", " a/b "], "a/b, e/f,,c/d") == ["c/d", "a/b", "e/f"]


def test_clone_url_uses_github_unless_a_base_url_replaces_the_host_part():
    assert clone_url("a/b") == "https://github.com/a/b.git"
    assert clone_url("a/b", "file:///srv/mirrors/") == "file:///srv/mirrors/a/b.git"


def test_slug_token_is_lowercase_alphanumeric_with_dashes():
    assert slug_token("CorentinTh/it-tools") == "corentinth-it-tools"
