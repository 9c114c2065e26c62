"""skills/mimetic-cli/SKILL.md covers the live CLI: every command, every result schema, the
environment the code reads, and only flags and names that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from ruamel.yaml import YAML

import mimetic
from mimetic.actors import budget, lane_actor, preflight, rates, registry
from mimetic.actors.providers import anthropic_computer, openai_compatible, openai_computer
from mimetic.cli import app
from mimetic.contracts.registry import schema_models
from mimetic.lanes import bootstrap, env

ROOT = Path(__file__).resolve().parents[2]
SKILL = ROOT / "skills" / "mimetic-cli" / "SKILL.md"
SOURCE = Path(mimetic.__file__).resolve().parent
# How the code reads its settings: os.environ / getenv, or the ms/seconds helpers of the lane modules.
ENV_READ = re.compile(r'(?:environ(?:\.get)?\(|environ\[|getenv\(|_env_ms\(|_env_seconds\()\s*"([A-Z][A-Z0-9_]*)"')
# Not user settings: the operating system's, and the inputs the runner hands a lane bootstrap.
NOT_SETTINGS = re.compile(r"^(HOME|TMPDIR|PATH|MIMETIC_LANE_\w+)$")


@pytest.fixture(scope="module")
def skill() -> str:
    return SKILL.read_text(encoding="utf-8")


def _mentions(text: str, phrase: str) -> bool:
    """`mimetic run` must not be satisfied by `mimetic runs`, nor `feedback issue` by `issue-url`."""
    return re.search(re.escape(phrase) + r"(?![\w-])", text) is not None


def test_frontmatter_names_the_skill_and_says_when_to_use_it(skill):
    match = re.match(r"^---\n(.*?)\n---\n", skill, re.S)
    assert match, "SKILL.md must start with YAML frontmatter"
    meta = YAML(typ="safe").load(match.group(1))
    assert meta["name"] == "mimetic-cli"
    assert "Use when" in meta["description"] and len(meta["description"]) <= 1024


def test_every_visible_command_path_is_mentioned(skill, command_paths):
    missing = [" ".join(("mimetic", *p)) for p in command_paths if p and not _mentions(skill, " ".join(("mimetic", *p)))]
    assert not missing, f"SKILL.md does not mention: {missing}"


def test_every_result_schema_a_command_prints_is_listed(skill):
    printed = [sid for sid in schema_models() if sid.endswith("-result.v1")]
    assert "mimetic.oss-meta-lab-result.v1" in printed and "mimetic.cleanup-result.v1" in printed
    for schema_id in [*printed, "mimetic.cli-response.v1", "mimetic.lab-list.v1", "mimetic.lab-inspect.v1"]:
        assert f"`{schema_id}`" in skill, f"SKILL.md does not list {schema_id}"


def test_every_setting_the_code_reads_is_documented(skill):
    read = set()
    for path in SOURCE.rglob("*.py"):
        read.update(ENV_READ.findall(path.read_text(encoding="utf-8")))
    read.update((*bootstrap.FORWARDED_FLAGS, *lane_actor.FORWARDED_ENV, *env.GITHUB_TOKEN_NAMES,
                 preflight.SKIP_ENV, budget.TIMEOUT_ENV, budget.KEEP_SCREENSHOTS_ENV, budget.SETTLE_ENV,
                 registry.MODEL_ENV, rates.RATES_ENV, openai_computer.KEY_ENV, anthropic_computer.KEY_ENV,
                 openai_compatible.BASE_URL_ENV, openai_compatible.KEY_ENV))
    settings = sorted(name for name in read if not NOT_SETTINGS.match(name))
    assert {"E2B_API_KEY", "OPENAI_API_KEY", "MIMETIC_GIT_BASE_URL", "MIMETIC_CHROMIUM"} <= set(settings)
    missing = [name for name in settings if f"`{name}" not in skill]
    assert not missing, f"SKILL.md does not document: {missing}"


def test_every_mimetic_name_in_the_skill_exists_in_the_code(skill):
    code = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE.rglob("*") if p.suffix in (".py", ".sh"))
    invented = sorted({name for name in re.findall(r"\bMIMETIC_[A-Z0-9_]*[A-Z0-9]\b", skill) if name not in code})
    assert not invented, f"SKILL.md names settings or error codes the code does not have: {invented}"


def test_every_flag_in_the_skill_is_a_real_option(skill):
    options = {"--help"}  # click adds it to every command outside `params`

    def visit(command) -> None:
        for param in command.params:
            options.update(opt for opt in (*param.opts, *param.secondary_opts) if opt.startswith("--"))
        for sub in getattr(command, "commands", {}).values():
            if not sub.hidden:
                visit(sub)

    visit(typer.main.get_command(app))
    assert {"--app-url", "--json", "--cwd", "--no-open"} <= options
    unknown = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", skill)) - options)
    assert not unknown, f"SKILL.md uses flags no visible command has: {unknown}"


def test_openai_agent_metadata_points_at_this_skill():
    meta = YAML(typ="safe").load((SKILL.parent / "agents" / "openai.yaml").read_text(encoding="utf-8"))["interface"]
    assert meta["display_name"] and 25 <= len(meta["short_description"]) <= 64
    assert "$mimetic-cli" in meta["default_prompt"]
