"""docs/cli.md is the live `--help` of every visible command, and says so when it drifts."""

from __future__ import annotations

import typer.main

from mimetic.cli import app


def test_cli_md_is_identical_to_help_regenerated_in_memory(gen_cli_docs):
    on_disk = gen_cli_docs.DOC_PATH.read_text(encoding="utf-8")
    assert on_disk == gen_cli_docs.render(), "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_every_visible_command_path_has_its_own_section_with_its_help(gen_cli_docs, command_paths):
    page = gen_cli_docs.DOC_PATH.read_text(encoding="utf-8")
    assert ("lab", "run") in command_paths and ("feedback", "issue-url") in command_paths
    for path in command_paths:
        heading = f"## `{' '.join(('mimetic', *path))}`"
        assert page.count(heading + "\n") == 1, f"missing or repeated section {heading}"
        assert gen_cli_docs.help_text(app, path) in page


def test_hidden_commands_stay_out_of_the_reference(gen_cli_docs, command_paths):
    root = typer.main.get_command(app)
    hidden = [name for name, command in root.commands.items() if command.hidden]
    assert "lane" in hidden  # the internal group the lane bootstrap calls
    page = gen_cli_docs.DOC_PATH.read_text(encoding="utf-8")
    for name in hidden:
        assert not any(path[:1] == (name,) for path in command_paths)
        assert f"`mimetic {name}" not in page
    assert "plan-app" not in page and "lane complete" not in page


def test_help_is_rendered_at_the_fixed_width_whatever_the_terminal(gen_cli_docs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    text = gen_cli_docs.help_text(app, ("lab", "run"))
    assert max(len(line) for line in text.splitlines()) <= gen_cli_docs.WIDTH
    assert "\x1b[" not in text
    assert text in gen_cli_docs.DOC_PATH.read_text(encoding="utf-8")


def test_check_mode_exits_1_on_a_stale_page_and_leaves_it_alone(gen_cli_docs, tmp_path, monkeypatch, capsys):
    stale = tmp_path / "cli.md"
    stale.write_text("# Command reference\n\nold\n", encoding="utf-8")
    monkeypatch.setattr(gen_cli_docs, "DOC_PATH", stale)
    monkeypatch.setattr(gen_cli_docs, "ROOT", tmp_path)
    monkeypatch.setattr("sys.argv", ["gen_cli_docs.py", "--check"])
    assert gen_cli_docs.main() == 1
    assert "stale" in capsys.readouterr().err
    assert stale.read_text(encoding="utf-8") == "# Command reference\n\nold\n"
    monkeypatch.setattr("sys.argv", ["gen_cli_docs.py"])
    assert gen_cli_docs.main() == 0
    assert stale.read_text(encoding="utf-8") == gen_cli_docs.render()
