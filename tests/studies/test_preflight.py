"""`mimetic lab preflight`: everything a live run needs, checked with the real SDKs against loopback fakes, spending nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.actor_support import CANARY_KEY
from fixtures.fake_models import serve_fake_models
from fixtures.git_repos import make_mirror
from fixtures.study_project import study_project
from fixtures.todo_app import serve_todo_app

RETIRED = "computer-use-retired-2025"

OSS_LAB = f"""schema: mimetic.lab.v1
id: live-oss
kind: oss-meta
substrate: e2b
repos: [fixture/todo, fixture/gone]
count: 4
actor:
  kind: openai-cua
  model: {RETIRED}
  maxUsdPerLane: 0.5
  maxUsdPerRun: 1.5
"""


@pytest.fixture
def keys(monkeypatch):
    def set_keys(fake, **names):
        for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "E2B_API_KEY", "MIMETIC_ACTOR_MODEL",
                     "MIMETIC_OSS_META_ACTOR_MODEL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.root_url)
        for name, value in names.items():
            monkeypatch.setenv(name, value)

    return set_keys


def test_preflight_reports_an_unreachable_repo_a_missing_key_and_a_shut_down_model_and_exits_1(
        cli, project, tmp_path, monkeypatch, keys):
    mirror = make_mirror(tmp_path)
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", mirror.base_url)
    (project / "mimetic" / "labs").mkdir(parents=True)
    (project / "mimetic" / "labs" / "live-oss.yaml").write_text(OSS_LAB, encoding="utf-8")
    with serve_fake_models({"computer-use-preview"}, CANARY_KEY) as fake:
        keys(fake, OPENAI_API_KEY=CANARY_KEY)  # E2B_API_KEY is not set
        result = cli("lab", "preflight", "live-oss", "--json")
    assert result.exit_code == 1, result.stdout + result.stderr
    data = result.json()
    by_name = {check["name"]: check for check in data["checks"]}
    assert by_name["fixture/todo"]["status"] == "ok"
    assert by_name["fixture/gone"]["status"] == "failed" and "ls-remote" in by_name["fixture/gone"]["message"]
    assert by_name["E2B_API_KEY"]["status"] == "missing"
    model = by_name[f"openai:{RETIRED}"]
    assert model["status"] == "missing" and "shut down" in model["message"]
    assert (data["lanes"], data["costCeilingUsd"], data["modelTurns"]) == (4, 1.5, 0)
    # One metadata read, no model turn; no lane, sandbox or run directory was started.
    assert fake.requests == [("GET", f"/v1/models/{RETIRED}")]
    assert not (project / ".mimetic" / "runs").exists()
    assert CANARY_KEY not in result.stdout


def test_preflight_of_a_ready_study_lab_passes_and_checks_the_judge_with_its_own_provider(cli, project, keys):
    study_project(project)
    with serve_todo_app("good") as url, serve_fake_models({"claude-sonnet-5-5", "gpt-5.4-mini"}, CANARY_KEY) as fake:
        (project / "mimetic" / "labs" / "judged.yaml").write_text(
            "schema: mimetic.lab.v1\nid: judged\nkind: study\nscenario: todo-study\n"
            f"personas: [desk-clicker, phone-commuter]\nappUrl: {url}\n"
            "actor:\n  kind: openai-cua\n  maxUsdPerLane: 0.25\njudge:\n  provider: anthropic\n", encoding="utf-8")
        keys(fake, OPENAI_API_KEY=CANARY_KEY, ANTHROPIC_API_KEY=CANARY_KEY)
        result = cli("lab", "preflight", "judged", "--json")
        assert result.exit_code == 0, result.stdout
        data = result.json()
        assert {c["kind"] for c in data["checks"] if c["status"] == "ok"} >= {"manifest", "app-url", "key", "model", "cost"}
        assert (data["lanes"], data["costCeilingUsd"]) == (2, 0.5)
        assert sorted(fake.requests) == [("GET", "/v1/models/claude-sonnet-5-5"), ("GET", "/v1/models/gpt-5.4-mini")]

        keys(fake, OPENAI_API_KEY=CANARY_KEY)  # the judge's key is gone
        missing = cli("lab", "preflight", "judged")
    assert missing.exit_code == 1
    assert "missing" in missing.stdout and "ANTHROPIC_API_KEY" in missing.stdout


def test_preflight_of_a_study_lab_reports_a_missing_scenario_and_a_dead_app_url(cli, project, keys):
    study_project(project)
    (project / "mimetic" / "labs" / "broken.yaml").write_text(
        "schema: mimetic.lab.v1\nid: broken\nkind: study\nscenario: nowhere\npersonas: [desk-clicker, ghost]\n"
        "appUrl: http://127.0.0.1:9/\n", encoding="utf-8")
    result = cli("lab", "preflight", "broken", "--json")
    assert result.exit_code == 1
    bad = {(c["kind"], c["status"]) for c in result.json()["checks"] if c["status"] not in ("ok", "skipped")}
    assert bad == {("manifest", "missing"), ("app-url", "failed")}
    names = [c["name"] for c in result.json()["checks"] if c["status"] == "missing"]
    assert names == ["mimetic/personas/ghost.yaml", "mimetic/scenarios/nowhere.yaml"]
