import json


def _dry_run(cli, run_id="r1", sims="2"):
    assert cli("run", "--dry-run", "--sims", sims, "--run-id", run_id, "--json").exit_code == 0


def test_verify_passes_on_a_fresh_dry_run_with_every_check_ok(cli, project):
    _dry_run(cli)
    data = cli("verify", "--run", "latest", "--json").json()
    assert data["ok"] and data["runId"] == "r1"
    assert all(check["ok"] for check in data["checks"]) and len(data["checks"]) >= 6


def test_secret_planted_in_events_fails_verify_naming_the_file(cli, project):
    _dry_run(cli)
    events = project / ".mimetic/runs/r1/events.ndjson"
    events.write_text(events.read_text() + '{"note": "sk-' + "a" * 32 + '"}\n')
    result = cli("verify", "--json")
    assert result.exit_code == 2
    scan = next(c for c in result.json()["checks"] if c["name"] == "public-safety scan")
    assert not scan["ok"] and "events.ndjson" in scan["message"]


def test_browser_profile_preferences_fail_verify_naming_the_path(cli, project):
    _dry_run(cli)
    profile = project / ".mimetic/runs/r1/profiles/Default"
    profile.mkdir(parents=True)
    (profile / "Preferences").write_text("{}")
    result = cli("verify", "--json")
    assert result.exit_code == 2
    assert "profiles" in next(c for c in result.json()["checks"] if c["name"] == "public-safety scan")["message"]


def test_absolute_home_path_in_a_run_file_fails_verify(cli, project):
    _dry_run(cli)
    (project / ".mimetic/runs/r1/notes.txt").write_text("cloned into /home/alice/work/app\n")
    assert cli("verify", "--json").exit_code == 2


def test_approval_flags_in_review_markdown_do_not_trip_the_scan(cli, project):
    _dry_run(cli)
    review = project / ".mimetic/runs/r1/review.md"
    review.write_text(review.read_text() + "\ncodex exec --ask-for-approval never\n")
    assert cli("verify", "--json").exit_code == 0


def test_missing_screenshot_referenced_by_a_stream_fails_verify(cli, project):
    _dry_run(cli)
    run_json = project / ".mimetic/runs/r1/run.json"
    bundle = json.loads(run_json.read_text())
    bundle["streams"][0]["artifacts"].append({"label": "shot", "path": "screenshots/desktop.png", "kind": "screenshot"})
    run_json.write_text(json.dumps(bundle))
    result = cli("verify", "--json")
    assert result.exit_code == 2
    evidence = next(c for c in result.json()["checks"] if c["name"] == "local evidence artifacts exist")
    assert "screenshots/desktop.png" in evidence["message"]


def test_artifact_path_escaping_the_run_fails_verify(cli, project):
    _dry_run(cli)
    run_json = project / ".mimetic/runs/r1/run.json"
    bundle = json.loads(run_json.read_text())
    bundle["streams"][0]["artifacts"].append({"label": "x", "path": "../../../etc/passwd", "kind": "log"})
    run_json.write_text(json.dumps(bundle))
    checks = cli("verify", "--json").json()["checks"]
    assert not next(c for c in checks if c["name"] == "artifact paths contained")["ok"]


def test_artifact_symlinked_out_of_the_run_fails_verify(cli, project):
    _dry_run(cli)
    outside = project / "outside.log"
    outside.write_text("not part of the run\n")
    run_dir = project / ".mimetic/runs/r1"
    (run_dir / "logs").mkdir()
    (run_dir / "logs/lane.log").symlink_to(outside)
    (run_dir / "logs/loop.log").symlink_to(run_dir / "logs/loop.log")
    bundle = json.loads((run_dir / "run.json").read_text())
    bundle["streams"][0]["artifacts"] += [{"label": "x", "path": "logs/lane.log", "kind": "log"},
                                          {"label": "y", "path": "logs/loop.log", "kind": "log"}]
    (run_dir / "run.json").write_text(json.dumps(bundle))
    result = cli("verify", "--json")
    contained = next(c for c in result.json()["checks"] if c["name"] == "artifact paths contained")
    assert result.exit_code == 2 and not contained["ok"]
    assert "logs/lane.log" in contained["message"] and "logs/loop.log" in contained["message"]


def test_verify_without_any_run_is_run_not_found(cli, project):
    result = cli("verify", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_RUN_NOT_FOUND"


def test_verify_rejects_a_traversal_run_id(cli, project):
    result = cli("verify", "--run", "../../etc", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_RUN_ID"


def test_review_prints_the_verified_review_and_runs_lists_newest_first(cli, project):
    _dry_run(cli, "older")
    _dry_run(cli, "newer")
    review = cli("review", "--json").json()
    assert review["runId"] == "newer" and review["verdict"] == "contract_proof_only"
    runs = cli("runs", "--json").json()
    assert [r["runId"] for r in runs["runs"]] == ["newer", "older"] and runs["latest"] == "newer"


def test_runs_in_an_empty_project_is_ok_and_empty(cli, project):
    data = cli("runs", "--json").json()
    assert data["ok"] and data["runs"] == [] and data["latest"] is None
