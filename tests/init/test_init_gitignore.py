"""The .gitignore block: add only what is missing, and keep `!.env.example` after the last `.env*`."""

from __future__ import annotations

from mimetic.init.gitignore import BLOCK_HEADER, ignores_runtime, missing_rules, patched


def test_empty_gitignore_gets_the_whole_block_without_a_leading_blank_line():
    assert missing_rules("") == [".mimetic/", ".env*", "!.env.example"]
    assert patched("", missing_rules("")) == f"{BLOCK_HEADER}\n.mimetic/\n.env*\n!.env.example\n"


def test_existing_rules_are_kept_and_the_block_is_separated_by_a_blank_line():
    text = "node_modules/\ndist"  # no trailing newline
    assert patched(text, [".mimetic/"]) == f"node_modules/\ndist\n\n{BLOCK_HEADER}\n.mimetic/\n"


def test_runtime_rule_is_recognised_in_any_spelling():
    for spelling in (".mimetic", ".mimetic/", "/.mimetic", "/.mimetic/", "  .mimetic/  "):
        assert ignores_runtime(f"{spelling}\n")
    assert not ignores_runtime(".mimetic-other/\n# .mimetic/\n")


def test_env_example_before_the_last_env_rule_is_added_again():
    text = ".mimetic/\n.env*\n!.env.example\n.env*\n"
    assert missing_rules(text) == ["!.env.example"]


def test_env_example_after_the_last_env_rule_needs_nothing():
    assert missing_rules(".env*\n.mimetic/\n!.env.example\n") == []


def test_env_example_is_added_after_a_missing_env_rule_even_if_it_existed_before():
    assert missing_rules("!.env.example\n.mimetic/\n") == [".env*", "!.env.example"]
