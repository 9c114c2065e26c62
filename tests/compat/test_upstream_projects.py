"""A project set up by mimetic-cli 0.1.5, and runs it wrote, work here command by command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compat.upstream_015 import LEGACY_BROWSER_RUN_ID, LEGACY_DRY_RUN_ID, write_browser_run, write_dry_run, write_project
from conftest import CHROMIUM, Cli
from fixtures.todo_app import serve_todo_app


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    return write_project(tmp_path / "upstream")


@pytest.fixture
def ucli(upstream: Path) -> Cli:
    return Cli(upstream)


def test_doctor_loads_every_015_manifest_and_warns_only_about_the_lab_field_it_does_not_know(ucli):
    result = ucli("doctor", "--json")
    assert result.exit_code == 0, result.stdout
    data = result.json()
    manifests = next(c for c in data["checks"] if c["name"] == "mimetic manifests")
    assert manifests["ok"] and manifests["message"].startswith("11 manifest")
    assert data["warnings"] == ["mimetic/labs/nightly.yaml:6: owner: unknown field"]


def test_strict_doctor_fails_on_the_unknown_lab_field(ucli):
    result = ucli("--strict", "doctor", "--json")
    assert result.exit_code == 1
    check = next(c for c in result.json()["checks"] if c["name"] == "mimetic manifests")
    assert not check["ok"] and "mimetic/labs/nightly.yaml:6: owner: unknown field" in check["message"]


def test_lab_list_keeps_a_lab_with_extra_fields(ucli):
    data = ucli("lab", "list", "--json").json()
    committed = {lab["id"] for lab in data["labs"] if lab["origin"] == "committed"}
    assert committed == {"first-run", "nightly"}
    assert "mimetic/labs/nightly.yaml:6: owner: unknown field" in data["warnings"]


def test_dry_run_reads_the_persona_and_scenario_with_015_authoring_fields(ucli, upstream):
    result = ucli("run", "--dry-run", "--json")
    assert result.exit_code == 0, result.stdout
    bundle = json.loads((upstream / result.json()["bundlePath"]).read_text())
    assert bundle["persona"]["name"] == "Evening list keeper"
    assert bundle["scenario"]["title"] == "Add the first chore"
    assert ucli("verify", "--json").exit_code == 0


def test_015_authoring_fields_reach_the_actor_brief(upstream):
    from mimetic.actors.instructions import build_instructions
    from mimetic.bundle.compose import select_persona, select_scenario
    from mimetic.project import open_project

    project = open_project(upstream)
    _, persona, _ = select_persona(project)
    _, scenario, _ = select_scenario(project)
    brief = build_instructions(persona, scenario, scenario.goal)
    for text in ("Get tonight's chores written down", "Phone held in one hand", "Risk tolerance: low",
                 "The new chore is listed.", "The input clears but nothing is listed.", "Surface: todo list page"):
        assert text in brief
    assert scenario.start_path == "/"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian Chromium is not installed at {CHROMIUM}")
def test_app_url_proof_runs_under_the_015_network_policy_with_notes_as_a_list(ucli):
    with serve_todo_app("good") as url:
        result = ucli("run", "--app-url", url, "--sims", "1", "--timeout-ms", "20000", "--json")
    data = result.json()
    assert result.exit_code == 0, data
    assert data["verdict"] == "pass"
    assert ucli("verify", "--json").exit_code == 0


@pytest.mark.parametrize("writer,run_id", [(write_dry_run, LEGACY_DRY_RUN_ID),
                                           (write_browser_run, LEGACY_BROWSER_RUN_ID)])
def test_015_run_passes_verify_review_watch_and_feedback(ucli, upstream, writer, run_id):
    writer(upstream)
    verify = ucli("verify", "--json")
    assert verify.exit_code == 0, verify.stdout
    data = verify.json()
    assert data["runId"] == run_id
    assert any("0.1.5 id" in rule for rule in data["relaxedRules"])
    assert any("absolute cwd" in rule for rule in data["relaxedRules"])
    assert next(c for c in data["checks"] if c["name"] == "legacy bundle")["ok"]

    review = ucli("review", "--run", run_id, "--json")
    assert review.exit_code == 0 and review.json()["runId"] == run_id

    watch = ucli("watch", "--run", run_id, "--detach", "--no-open", "--json")
    assert watch.exit_code == 0, watch.stdout
    assert (upstream / ".mimetic" / "runs" / run_id / "observer" / "index.html").is_file()

    draft = ucli("feedback", "draft", "--run", run_id, "--json")
    assert draft.exit_code == 0, draft.stdout
    # one draft per candidate (feedback/<candidate-id>/draft.json), where 0.1.5 kept a single feedback/draft.json
    draft_file = upstream / draft.json()["draftPath"]
    written = json.loads(draft_file.read_text())
    assert written["run_id"] == run_id
    assert "invalid-evidence" not in (written.get("source_candidate_id") or "")
    # the absolute cwd 0.1.5 stored never reaches what we write
    assert str(upstream) not in draft_file.read_text()
    assert ucli("runs", "--json").json()["runs"][0]["runId"] == run_id


def test_015_browser_traces_read_as_valid_evidence_not_harness_failures(ucli, upstream):
    write_browser_run(upstream)
    data = ucli("feedback", "draft", "--json").json()
    assert "invalid-evidence" not in (data["draft"].get("source_candidate_id") or "")


def test_legacy_id_shapes_are_read_but_never_written(ucli):
    result = ucli("run", "--dry-run", "--run-id", LEGACY_DRY_RUN_ID, "--json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "MIMETIC_INVALID_RUN_ID"


def test_a_legacy_bundle_with_a_home_path_outside_cwd_still_fails_the_scan(ucli, upstream):
    run_dir = write_dry_run(upstream)
    events = run_dir / "events.ndjson"
    events.write_text(events.read_text() + json.dumps({"id": "event-9", "at": "x", "level": "info", "type": "t",
                                                       "message": "saved to /home/alice/notes"}) + "\n")
    data = ucli("verify", "--json").json()
    assert not data["ok"]
    assert not next(c for c in data["checks"] if c["name"] == "public-safety scan")["ok"]
