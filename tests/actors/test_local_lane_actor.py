"""A live local lane's actor drives a real Chromium page on the lane's own app, from the host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.actor_support import CANARY_KEY, files_containing, openai_env
from fixtures.fake_brain import ScriptBrain
from fixtures.fake_responses import serve_fake_openai
from fixtures.git_repos import make_mirror

pytestmark = pytest.mark.browser

LAB = """schema: mimetic.lab.v1
id: actor-lab
kind: oss-meta
substrate: local
repos: [fixture/todo]
count: 1
actor: {kind: openai-cua, maxSteps: 10}
defaults: {dryRun: false, redactRepos: false}
"""


def test_the_actor_types_into_the_lanes_app_on_a_host_page_and_reports(cli, project: Path, tmp_path, monkeypatch):
    mirror = make_mirror(tmp_path)
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", mirror.base_url)
    (project / "mimetic/labs").mkdir(parents=True)
    (project / "mimetic/labs/actor-lab.yaml").write_text(LAB)
    finding = {"observed": "The Add button gives no feedback while saving.", "where": "home", "severity": "low",
               "owner": "product"}
    block = json.dumps({"verdict": "passed", "summary": "Added it.", "findings": [finding]})
    brain = ScriptBrain([[("key", "TAB")], [("type", "Buy milk")], [("key", "ENTER")],
                         [("final", f"Done.\n```json\n{block}\n```")]])
    with serve_fake_openai(brain) as fake:
        openai_env(monkeypatch, fake.base_url)
        result = cli("lab", "run", "actor-lab", "--run-id", "acted", "--json")
    assert result.exit_code == 0, result.stdout
    run_dir = project / ".mimetic/runs/acted"
    report = json.loads((run_dir / "actors/oss-01-desktop.json").read_text())
    assert report["status"] == "passed" and report["steps"] == 3
    assert report["findings"][0]["observed"] == finding["observed"]
    transcript = [json.loads(line) for line in (run_dir / report["transcriptPath"]).read_text().splitlines()]
    lane_url = json.loads((run_dir / "run.json").read_text())["streams"][0]["ui"]["appUrl"]
    assert [line.get("url") for line in transcript if "url" in line][0].startswith(lane_url)
    assert [r.method for r in fake.served.requests][:2] == ["GET", "POST"]  # models.retrieve, then the first turn
    assert [b["input"][-1]["type"] for b in fake.bodies()[1:3]] == ["computer_call_output"] * 2
    assert files_containing(project, CANARY_KEY) == []
    assert cli("verify", "--run", "acted", "--json").json()["ok"]
