"""Issue 17, as a coding agent lives it: knowing only SKILL.md and the JSON, check a small todo app on
desktop and phone, learn both bugs from `surfaces[]`, and get one public-safe draft per bug.

The app (`serve_todo_app("narrow")`) moves its Add button off-screen below 500 px wide and throws
`ReferenceError: renderList is not defined` from "Clear completed". Real Chromium, real loopback server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CHROMIUM, Cli
from fixtures.todo_app import serve_todo_app
from ruamel.yaml import YAML

from mimetic.contracts.manifests import Scenario

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}"),
]

SKILL = Path(__file__).resolve().parents[2] / "skills" / "mimetic-cli" / "SKILL.md"
BUDGET = ("--timeout-ms", "12000")  # the off-screen click waits out its action timeout; keep it short
REFERENCE_ERROR = "ReferenceError: renderList is not defined"


def skill_scenario_example() -> dict:
    """The one YAML block in SKILL.md that is a browser scenario: all the agent knows about the format."""
    blocks = re.findall(r"```yaml\n(.*?)```", SKILL.read_text(encoding="utf-8"), re.S)
    examples = [YAML(typ="safe").load(block) for block in blocks if "mode: browser" in block]
    assert len(examples) == 1, "SKILL.md must show exactly one browser scenario example"
    example = examples[0]
    Scenario.model_validate(example)  # the example itself is valid as printed
    return example


def agent_writes_scenario(project: Path) -> Path:
    """What an agent does with the example: keep its shape, point it at this app, add the second task
    (clearing completed todos) by copying the example's click step."""
    scenario = skill_scenario_example()
    open_step, type_step, click_step = scenario["browser"]["steps"]
    scenario.update(id="add-then-clear", title="Add a todo, then clear the completed ones",
                    goal="A visitor adds a todo and clears the ones already done.")
    open_step["expect"] = {"selectorVisible": "#new-todo"}
    type_step.update(selector="#new-todo", value="Buy oat milk")
    click_step.update(selector="#add", expect={"text": "Buy oat milk"})
    clear_step = {**click_step, "id": "clear", "label": "Clear completed", "selector": "#clear-completed",
                  "expect": {"stateChanged": True}}
    scenario["browser"]["steps"] = [open_step, type_step, click_step, clear_step]
    path = project / "mimetic" / "scenarios" / "add-then-clear.yaml"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8") as handle:
        YAML().dump(scenario, handle)
    return path


@pytest.fixture
def narrow_app():
    with serve_todo_app("narrow") as url:
        yield url


def by_surface(result: dict) -> dict[str, dict]:
    return {surface["surface"]: surface for surface in result["surfaces"]}


def test_an_agent_reading_only_skill_md_learns_both_bugs_and_gets_one_draft_each(project: Path, narrow_app: str) -> None:
    cli = Cli(project)
    agent_writes_scenario(project)
    run = cli("run", "--app-url", narrow_app, *BUDGET, "--json")
    assert run.exit_code == 1, run.stdout
    result = run.json()
    assert result["verdict"] == "fail" and result["error"]["code"] == "MIMETIC_BROWSER_PROOF_FAILED"

    surfaces = by_surface(result)
    desktop, mobile = surfaces["desktop"], surfaces["mobile"]
    # Desktop: adding works, clearing throws; the page's own error is quoted from that step.
    assert (desktop["status"], desktop["failedStep"]) == ("failed", "clear")
    assert desktop["pageErrors"] == [REFERENCE_ERROR] and REFERENCE_ERROR in desktop["reason"]
    # Mobile: the Add button is off-screen; the reason says where it was, not only that time ran out.
    assert (mobile["status"], mobile["failedStep"]) == ("failed", "add")
    assert "outside the viewport at x=" in mobile["reason"] and "390x844" in mobile["reason"]
    for surface in (desktop, mobile):
        assert surface["actor"] == "not requested"
        assert (project / result["artifactRoot"] / surface["screenshot"]).is_file()
    # One line an agent reads names both viewports.
    assert REFERENCE_ERROR in result["error"]["message"] and "outside the viewport" in result["error"]["message"]
    assert "desktop failed at step clear" in result["error"]["message"]
    assert "mobile failed at step add" in result["error"]["message"]

    listed = cli("feedback", "list", "--json").json()
    candidates = {entry["candidate"]["stream_id"]: entry for entry in listed["candidates"]}
    assert len(listed["candidates"]) == 2 and all(entry["usable"] for entry in listed["candidates"])
    assert REFERENCE_ERROR in candidates["browser-desktop-stream"]["candidate"]["summary"]
    assert "outside the viewport" in candidates["browser-mobile-stream"]["candidate"]["summary"]

    issued = cli("feedback", "issue", "--all", "--repo", "example/todo", "--json")
    assert issued.exit_code == 0, issued.stdout
    drafts = issued.json()["drafts"]
    assert len(drafts) == 2
    run_dir = project / result["artifactRoot"]
    issues = {}
    for entry in drafts:
        draft = json.loads((project / entry["path"]).read_text(encoding="utf-8"))
        issues[entry["sourceCandidateId"]] = (project / entry["issuePath"]).read_text(encoding="utf-8")
        assert Path(entry["path"]).parent.name == entry["sourceCandidateId"]  # feedback/<candidate-id>/
        assert draft["actor"] == "scripted-browser"  # no AI actor ran, so none is named
        for item in draft["evidence"]:
            assert not item["path"].startswith(".mimetic") and (run_dir / item["path"]).is_file()
    desktop_issue = next(text for key, text in issues.items() if "desktop" in key)
    mobile_issue = next(text for key, text in issues.items() if "mobile" in key)
    assert REFERENCE_ERROR in desktop_issue and "outside the viewport" in mobile_issue
    assert 'Screenshot after step 3 "Click Add" on mobile: `screenshots/mobile-add.png`' in mobile_issue
    assert "are not attached to this issue" in mobile_issue

    # A draft someone edited is never replaced silently; --force replaces it.
    mobile_path = project / next(e["issuePath"] for e in drafts if "mobile" in e["sourceCandidateId"])
    mobile_path.write_text(mobile_issue + "\nEdited by a person.\n", encoding="utf-8")
    again = cli("feedback", "issue", "--all", "--repo", "example/todo", "--json")
    assert again.exit_code == 2 and again.json()["error"]["code"] == "MIMETIC_FEEDBACK_DRAFT_EXISTS"
    assert mobile_path.read_text(encoding="utf-8").endswith("Edited by a person.\n")
    assert cli("feedback", "issue", "--all", "--repo", "example/todo", "--force", "--json").exit_code == 0
    assert mobile_path.read_text(encoding="utf-8") == mobile_issue

    # The export holds that draft's evidence only: its screenshot and trace, never the run bundle.
    mobile_id = next(e["sourceCandidateId"] for e in drafts if "mobile" in e["sourceCandidateId"])
    exported = cli("feedback", "export", "--candidate", mobile_id, "--json").json()
    folder = project / exported["exportPath"]
    assert sorted(exported["exported"]) == sorted(["README.md", "draft.json", "screenshots/mobile-add.png",
                                                   "traces/mobile.json", "screenshots/mobile.png"])
    assert not (folder / "run.json").exists() and (folder / "screenshots" / "mobile-add.png").is_file()


def test_a_requested_actor_without_a_key_is_blocked_in_the_result_and_a_gap_in_the_review(
        project: Path, narrow_app: str) -> None:
    cli = Cli(project)
    agent_writes_scenario(project)
    run = cli("run", "--app-url", narrow_app, "--actor", "openai-cua", *BUDGET, "--json")
    assert run.exit_code == 1, run.stdout
    result = run.json()
    assert result["verdict"] == "fail"
    desktop, mobile = by_surface(result)["desktop"], by_surface(result)["mobile"]
    assert desktop["actor"].startswith("blocked: OPENAI_API_KEY is not set"), desktop
    assert desktop["actorStatus"] == "blocked"
    assert mobile["actor"] == "not requested (the actor uses the desktop viewport only)"
    assert [w for w in result["warnings"] if "openai-cua actor was blocked" in w and "OPENAI_API_KEY" in w]
    review = cli("review", "--json").json()  # the review document itself (0.1.5 shape)
    assert any(gap.startswith("No AI actor used the app: openai-cua was requested") for gap in review["gaps"])

    ranked = [entry["candidate"] for entry in cli("feedback", "list", "--json").json()["candidates"]]
    # The two real failures come before the missing key, and no draft names an actor that never ran.
    assert [c["failure_owner"] for c in ranked[:2]] == ["target-app", "target-app"]
    assert all(c["proposed_next_state"] == "actor-auth" for c in ranked[2:]) and ranked[2:]
    assert all(c["actor"] == "scripted-browser" for c in ranked)
