"""`mimetic lab run oss` live, without launching real lanes: substrate choice, missing keys, substrate failures."""

from __future__ import annotations

import json
import sys

import pytest

from mimetic.lanes.substrates import choose_substrate


def _bundle(project, run_id):
    return json.loads((project / f".mimetic/runs/{run_id}/run.json").read_text())


def test_e2b_without_a_key_blocks_every_lane_with_the_waiting_reason_and_still_writes_the_observer(cli, project):
    result = cli("lab", "run", "oss", "--substrate", "e2b", "--repos", "a/b,c/d", "--count", "3", "--run-id", "wait",
                 "--json")
    assert result.exit_code == 1
    data = result.json()
    assert data["verdict"] == "blocked" and data["ok"] is False and data["substrate"] == "e2b"
    assert [s["completionStatus"] for s in data["sandboxes"]] == ["blocked"] * 3
    assert [s["completionReason"] for s in data["sandboxes"]] == [
        f"Waiting for E2B_API_KEY before launching repo-0{i}." for i in (1, 2, 3)]
    assert "Live e2b launch is waiting on env vars: E2B_API_KEY." in data["warnings"]
    bundle = _bundle(project, "wait")
    assert bundle["mode"] == "live" and bundle["review"]["verdict"] == "blocked"
    assert [s["status"] for s in bundle["simulations"]] == ["blocked"] * 3
    assert (project / ".mimetic/runs/wait/observer/index.html").is_file() and data["observer"]
    assert not (project / ".mimetic/runs/wait/sandbox-receipts.ndjson").exists()
    assert cli("verify", "--run", "wait", "--json").json()["ok"]


def test_an_e2b_substrate_that_cannot_be_imported_blocks_lanes_with_a_clear_reason(cli, project, monkeypatch):
    monkeypatch.setenv("E2B_API_KEY", "e2b_" + "k" * 20)
    monkeypatch.setitem(sys.modules, "mimetic.lanes.e2b", None)  # import fails
    result = cli("lab", "run", "oss", "--repos", "a/b", "--count", "2", "--run-id", "noe2b", "--json")
    assert result.exit_code == 1
    data = result.json()
    assert data["substrate"] == "e2b" and data["verdict"] == "blocked"
    reasons = {s["completionReason"] for s in data["sandboxes"]}
    assert len(reasons) == 1 and reasons.pop().startswith("The e2b substrate is not available:")
    assert "e2b_kkkk" not in (project / ".mimetic/runs/noe2b/run.json").read_text()


@pytest.mark.parametrize(("flag", "lab", "key", "expected"), [
    ("local", "e2b", "set", "local"), (None, "local", "set", "local"), (None, None, "set", "e2b"),
    (None, None, None, "local"), ("e2b", None, None, "e2b"),
])
def test_substrate_is_flag_then_lab_then_e2b_when_its_key_is_set_else_local(monkeypatch, flag, lab, key, expected):
    if key:
        monkeypatch.setenv("E2B_API_KEY", "e2b_" + "k" * 20)
    assert choose_substrate(flag, lab) == expected


def test_an_unknown_substrate_exits_2_and_writes_nothing(cli, project):
    result = cli("lab", "run", "oss", "--substrate", "moon", "--repos", "a/b", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_SUBSTRATE"
    assert not (project / ".mimetic").exists()


def test_an_invalid_concurrency_exits_2(cli, project):
    result = cli("lab", "run", "oss", "--substrate", "local", "--repos", "a/b", "--concurrency", "0", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_CONCURRENCY"



def test_a_repo_that_needs_a_token_is_blocked_before_any_hosted_sandbox_starts(cli, project, monkeypatch):
    from mimetic.lanes import preflight

    monkeypatch.setenv("E2B_API_KEY", "e2b_" + "k" * 20)
    monkeypatch.setenv("GH_TOKEN", "ghp_" + "t" * 30)
    monkeypatch.setattr(preflight, "check_repo_access", lambda slugs, **_: {
        slug: preflight.RepoAccess(slug, True, with_token=True) for slug in slugs})
    launched = []
    monkeypatch.setattr("mimetic.lanes.e2b.E2BSubstrate.launch", lambda self, spec: launched.append(spec))
    result = cli("lab", "run", "oss", "--substrate", "e2b", "--repos", "acme/private", "--count", "1",
                 "--run-id", "priv", "--json")
    data = result.json()
    assert result.exit_code == 1 and data["verdict"] == "blocked" and launched == []
    bundle = json.loads((project / ".mimetic/runs/priv/run.json").read_text())
    assert "--substrate local" in bundle["simulations"][0]["currentStep"]
