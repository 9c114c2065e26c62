import json

from conftest import files_under


def test_dry_run_writes_bundle_review_events_and_latest_pointer(cli, project):
    result = cli("run", "--dry-run", "--run-id", "proof-1", "--json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["schema"] == "mimetic.run-result.v1" and data["ok"] and data["simCount"] == 1
    run_dir = project / ".mimetic/runs/proof-1"
    for name in ("run.json", "review.json", "review.md", "events.ndjson"):
        assert (run_dir / name).is_file()
    bundle = json.loads((run_dir / "run.json").read_text())
    assert bundle["cwd"] == "[target-cwd]" and bundle["review"]["verdict"] == "contract_proof_only"
    latest = json.loads((project / ".mimetic/runs/latest.json").read_text())
    assert latest["runId"] == "proof-1"


def test_dry_run_lanes_cycle_the_four_templates(cli, project):
    cli("run", "--dry-run", "--sims", "6", "--run-id", "cyc", "--json")
    bundle = json.loads((project / ".mimetic/runs/cyc/run.json").read_text())
    kinds = [s["kind"] for s in bundle["streams"]]
    assert kinds == ["ui", "terminal", "tui", "codex-ui", "ui", "terminal"]
    assert {s["transport"] for s in bundle["streams"]} == {"polling", "snapshot", "pty", "app-server"}


def test_sixty_five_and_a_thousand_lanes_work_and_verify(cli, project):
    for sims in ("65", "1000"):
        result = cli("run", "--dry-run", "--sims", sims, "--run-id", f"many-{sims}", "--json")
        assert result.exit_code == 0 and result.json()["simCount"] == int(sims)
        assert cli("verify", "--run", f"many-{sims}", "--json").json()["ok"]


def test_run_without_mode_writes_nothing_and_says_what_to_do(cli, project):
    result = cli("run", "--json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "MIMETIC_LIVE_RUN_UNIMPLEMENTED"
    assert not (project / ".mimetic").exists()


def test_traversal_run_id_exits_2_and_writes_nothing(cli, project):
    result = cli("run", "--dry-run", "--run-id", "../../etc")
    assert result.exit_code == 2 and "MIMETIC_INVALID_RUN_ID" in result.stderr
    assert files_under(project) == []


def test_bad_sim_count_is_rejected(cli, project):
    result = cli("run", "--dry-run", "--sims", "0", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_SIM_COUNT"
    assert files_under(project) == []


def test_env_file_with_a_bad_line_exits_2_names_the_line_and_writes_nothing(cli, project):
    (project / "bad.env").write_text("GOOD=1\nthis is not valid\n")
    result = cli("run", "--dry-run", "--env-file", "bad.env")
    assert result.exit_code == 2
    assert "MIMETIC_ENV_FILE_INVALID" in result.stderr and "line 2" in result.stderr
    assert [p.name for p in files_under(project)] == ["bad.env"]


def test_env_file_names_are_reported_but_values_never_printed_or_written(cli, project, monkeypatch):
    monkeypatch.delenv("MIMETIC_TEST_CANARY_TOKEN", raising=False)
    (project / "ok.env").write_text("MIMETIC_TEST_CANARY_TOKEN=canary-zz-4242\n")
    result = cli("run", "--dry-run", "--env-file", "ok.env", "--json")
    monkeypatch.delenv("MIMETIC_TEST_CANARY_TOKEN", raising=False)
    assert result.exit_code == 0
    assert "MIMETIC_TEST_CANARY_TOKEN" in result.stdout and "canary-zz-4242" not in result.stdout + result.stderr
    for path in files_under(project / ".mimetic"):
        assert b"canary-zz-4242" not in path.read_bytes()


def test_human_output_errors_go_to_stderr_with_code(cli, project):
    result = cli("run", "--dry-run", "--sims", "-1")
    assert result.exit_code == 2 and result.stdout == "" and "MIMETIC_INVALID_SIM_COUNT:" in result.stderr


def test_app_url_and_dry_run_conflict(cli, project):
    result = cli("run", "--dry-run", "--app-url", "http://127.0.0.1:1", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_APP_URL_OPTION_CONFLICT"


def test_lab_positional_with_app_url_conflicts(cli, project):
    result = cli("run", "first-run", "--app-url", "http://127.0.0.1:1", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_APP_URL_OPTION_CONFLICT"


def test_run_with_a_lab_runs_it(cli, project):
    result = cli("run", "first-run", "--sims", "2", "--json")
    assert result.exit_code == 0 and result.json()["simCount"] == 2 and result.json()["lab"] == "first-run"


def test_an_existing_run_id_is_refused_and_left_untouched(cli, project):
    assert cli("run", "--dry-run", "--run-id", "same", "--json").exit_code == 0
    before = (project / ".mimetic/runs/same/run.json").read_bytes()
    again = cli("lab", "run", "oss", "--dry-run", "--run-id", "same", "--json")
    assert again.exit_code == 2 and again.json()["error"]["code"] == "MIMETIC_RUN_EXISTS"
    assert (project / ".mimetic/runs/same/run.json").read_bytes() == before
