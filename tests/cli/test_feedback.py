"""`mimetic feedback list|draft|verify|issue|issue-url` end to end (issue 7 acceptance cases)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures.feedback_bundles import BundleBuilder, acceptance_two

from mimetic.contracts.feedback import FeedbackCandidate, FeedbackEvidence

TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8"
CLOSING = re.compile(r"\bclose[sd]?\b|\bfix(?:e[sd])?\s*#", re.IGNORECASE)


def _dry_run(cli, run_id: str = "dry-feedback-01") -> str:
    assert cli("run", "--dry-run", "--run-id", run_id, "--json").exit_code == 0
    return run_id


def _run_dir(project: Path, run_id: str) -> Path:
    return project / ".mimetic" / "runs" / run_id


def _plant(project: Path, run_id: str, candidate: FeedbackCandidate) -> None:
    """Write a producer's candidate straight into run.json (bypassing the store's redaction on purpose)."""
    path = _run_dir(project, run_id) / "run.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["feedbackCandidates"] = [candidate.to_json()]
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _producer_candidate(run_id: str, **changes) -> FeedbackCandidate:
    fields = dict(
        id="producer-finding", run_id=run_id, stream_id="browser-desktop", adapter_id="app", scenario_id="s",
        persona_id="p", actor="scripted-browser", substrate="local-browser", failure_owner="target-app",
        severity="high", summary="Todo list drops new items", expected="New todo appears", actual="List stays empty",
        evidence=[FeedbackEvidence(path="traces/desktop.json", kind="trace", note="Browser trace")],
        idempotency_key=f"mimetic:{run_id}:browser-desktop:producer-finding", proposed_next_state="watch",
        acceptance_proof=[f"mimetic verify --run {run_id} --json"])
    fields.update(changes)
    return FeedbackCandidate(**fields)


# --- acceptance 1: dry-run fallback -------------------------------------------------------------


def test_dry_run_draft_falls_back_to_contract_proof_and_issue_and_url_work(cli, project: Path) -> None:
    run_id = _dry_run(cli)
    drafted = cli("feedback", "draft", "--json")
    assert drafted.exit_code == 0, drafted.stdout
    data = drafted.json()
    assert data["schema"] == "mimetic.feedback-result.v1" and data["fallback"] is True
    folder = _run_dir(project, run_id) / "feedback" / "dry-run-contract-proof"
    draft = json.loads((folder / "draft.json").read_text(encoding="utf-8"))
    assert draft["schema"] == "mimetic.feedback.v1"
    assert draft["idempotency_key"] == f"mimetic:{run_id}:dry-run-contract-proof"
    assert draft["failure_owner"] == "harness" and draft["actor"] == "synthetic-dry-run"
    assert [e["path"] for e in draft["evidence"]] == ["run.json", "review.md"]  # run-relative

    listed = cli("feedback", "list", "--json").json()
    assert listed["candidates"] == [] and listed["drafts"][0]["idempotencyKey"] == draft["idempotency_key"]
    assert cli("feedback", "verify", "--json").exit_code == 0

    issue = cli("feedback", "issue", "--repo", "example/app", "--format", "markdown")
    assert issue.exit_code == 0
    written = (folder / "issue.md").read_text(encoding="utf-8")
    assert issue.stdout == written
    assert "mimetic_feedback:" in written and "GitHub mutation: not performed" in written
    assert not CLOSING.search(written)

    url = cli("feedback", "issue-url", "--repo", "example/app")
    assert url.exit_code == 0
    assert url.stdout.startswith("https://github.com/example/app/issues/new?")
    body = parse_qs(urlsplit(url.stdout.strip()).query)["body"][0]
    assert "mimetic_feedback:" in body
    # The run still verifies with the feedback files beside it.
    assert cli("verify", "--json").exit_code == 0


def test_issue_rejects_formats_other_than_markdown(cli) -> None:
    _dry_run(cli)
    result = cli("feedback", "issue", "--repo", "example/app", "--format", "html")
    assert result.exit_code == 2
    assert "Only --format markdown is supported." in result.stderr


# --- acceptance 2: live evidence -> ranked candidates ---------------------------------------------


def test_live_bundle_candidates_ranked_draft_picks_target_app_and_candidate_picks_any(cli, project: Path) -> None:
    store = acceptance_two(project).write()
    listed = cli("feedback", "list", "--json").json()
    by_id = {e["candidate"]["id"]: e for e in listed["candidates"]}
    assert sorted(e["candidate"]["failure_owner"] for e in listed["candidates"]) == [
        "actor", "actor", "harness", "target-app"]
    assert listed["candidates"][0]["candidate"]["failure_owner"] == "target-app"
    assert all(e["usable"] for e in listed["candidates"])

    drafted = cli("feedback", "draft", "--json").json()
    assert drafted["candidateId"] == "browser-step-failed-browser-desktop"
    assert drafted["draft"]["failure_owner"] == "target-app"

    for candidate_id in by_id:
        picked = cli("feedback", "draft", "--candidate", candidate_id, "--json")
        assert picked.exit_code == 0
        draft = json.loads((store.dir / "feedback" / candidate_id / "draft.json").read_text(encoding="utf-8"))
        assert draft["source_candidate_id"] == candidate_id
        assert draft["idempotency_key"] == by_id[candidate_id]["candidate"]["idempotency_key"]
        assert all((store.dir / e["path"]).is_file() for e in draft["evidence"])  # run-relative paths
    # One draft per candidate: drafting each left every other one in place.
    assert sorted(d["sourceCandidateId"] for d in cli("feedback", "list", "--json").json()["drafts"]) == sorted(by_id)

    unknown = cli("feedback", "draft", "--candidate", "nope", "--json")
    assert unknown.exit_code == 2 and unknown.json()["error"]["code"] == "MIMETIC_FEEDBACK_CANDIDATE_NOT_FOUND"


def test_live_issue_for_a_chosen_candidate_writes_markdown_with_its_evidence(cli, project: Path) -> None:
    store = acceptance_two(project).write()
    result = cli("feedback", "issue", "--repo", "example/app", "--candidate", "setup-quality-oss-01-desktop", "--json")
    assert result.exit_code == 0
    data = result.json()
    assert data["issuePath"] == f"{store.artifact_root}/feedback/setup-quality-oss-01-desktop/issue.md"
    assert ("- Setup-quality checks for this lane: `setup-quality/oss-01-desktop-setup-quality.json` (filesystem)"
            in data["issueMarkdown"])
    assert "- Substrate: e2b-desktop" in data["issueMarkdown"]


def test_actor_product_finding_on_live_bundle_is_drafted_as_target_app(cli, project: Path) -> None:
    from mimetic.contracts.evidence import Finding

    builder = BundleBuilder(project)
    lane = builder.stream("cua-01-desktop")
    builder.actor(lane, [Finding(observed="Checkout total ignores the coupon", severity="medium")])
    builder.write()
    data = cli("feedback", "draft", "--json").json()
    assert data["candidateId"] == "product-finding-cua-01-desktop"
    assert data["draft"]["failure_owner"] == "target-app" and data["draft"]["severity"] == "medium"


# --- acceptance 3: verify names the problem -------------------------------------------------------


def _live_with_trace(project: Path) -> str:
    builder = BundleBuilder(project, run_id="planted-01")
    builder.trace(builder.stream("browser-desktop"), failed_step=False)
    builder.write()
    return "planted-01"


@pytest.mark.parametrize("changes, named", [
    ({"evidence": [FeedbackEvidence(path="screenshots/desktop.png", kind="screenshot", note="gone")]},
     "evidence file missing: screenshots/desktop.png"),
    ({"evidence": [FeedbackEvidence(path="../../../secrets.txt", kind="log", note="escape")]},
     "evidence path is not inside the run: ../../../secrets.txt"),
    ({"actual": f"the login form echoed {TOKEN}"}, "field actual fails the redaction scan"),
])
def test_feedback_verify_rejects_planted_problems_naming_them(cli, project: Path, changes, named) -> None:
    run_id = _live_with_trace(project)
    _plant(project, run_id, _producer_candidate(run_id, **changes))
    for args in (("feedback", "verify", "--candidate", "producer-finding"),
                 ("feedback", "issue", "--repo", "example/app", "--candidate", "producer-finding")):
        human = cli(*args)
        assert human.exit_code == 2
        assert human.stderr.startswith("MIMETIC_INVALID_FEEDBACK_DRAFT:") and named in human.stderr
        assert TOKEN not in human.stderr + human.stdout
    as_json = cli("feedback", "verify", "--candidate", "producer-finding", "--json")
    assert as_json.exit_code == 2
    data = as_json.json()
    assert data["error"]["code"] == "MIMETIC_INVALID_FEEDBACK_DRAFT" and any(named in p for p in data["problems"])
    assert TOKEN not in as_json.stdout
    assert not (_run_dir(project, run_id) / "feedback" / "issue.md").exists()


def test_unusable_candidate_is_listed_with_its_problem_and_skipped_by_default(cli, project: Path) -> None:
    run_id = _live_with_trace(project)
    _plant(project, run_id, _producer_candidate(
        run_id, evidence=[FeedbackEvidence(path="screenshots/gone.png", kind="screenshot", note="gone")]))
    listed = cli("feedback", "list", "--json").json()
    [entry] = listed["candidates"]
    assert not entry["usable"] and "evidence file missing" in entry["problems"][0]
    assert listed["warnings"]  # the bundle itself no longer verifies, and list says so


def test_dry_run_bundle_rejects_a_product_claim(cli, project: Path) -> None:
    run_id = _dry_run(cli)
    _plant(project, run_id, _producer_candidate(
        run_id, stream_id=None, evidence=[FeedbackEvidence(path="review.md", kind="review", note="review")]))
    result = cli("feedback", "verify", "--candidate", "producer-finding")
    assert result.exit_code == 2
    assert "a dry-run bundle cannot back a target-app claim" in result.stderr
    # Without --candidate the unusable claim is skipped and the contract-proof fallback is verified.
    assert cli("feedback", "verify", "--json").json()["fallback"] is True


# --- acceptance 4: bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("feedback", "list"), ("feedback", "draft"), ("feedback", "verify"),
    ("feedback", "issue", "--repo", "example/app"), ("feedback", "issue-url", "--repo", "example/app"),
])
def test_no_run_is_run_not_found(cli, args) -> None:
    result = cli(*args, "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_RUN_NOT_FOUND"
    assert cli(*args).stderr.startswith("MIMETIC_RUN_NOT_FOUND:")


@pytest.mark.parametrize("repo", ["https://github.com/example/app", "git@github.com:example/app.git", "../app",
                                  "example", "example/app/extra"])
def test_invalid_repo_exits_2_and_writes_nothing(cli, project: Path, repo: str) -> None:
    run_id = _dry_run(cli)
    for command in ("issue", "issue-url"):
        result = cli("feedback", command, "--repo", repo, "--json")
        assert result.exit_code == 2 and result.json()["ok"] is False
    assert not (_run_dir(project, run_id) / "feedback").exists()


def test_bundle_failing_verify_is_invalid_run_bundle(cli, project: Path) -> None:
    run_id = _dry_run(cli)
    (_run_dir(project, run_id) / "review.json").unlink()
    result = cli("feedback", "draft", "--json")
    assert result.exit_code == 2
    assert result.json()["error"]["code"] == "MIMETIC_INVALID_RUN_BUNDLE"
    assert "review artifacts exist" in result.json()["error"]["message"]


# --- acceptance 5: determinism --------------------------------------------------------------------


@pytest.mark.parametrize("live", [False, True])
def test_two_drafts_of_the_same_run_are_byte_identical(cli, project: Path, live: bool) -> None:
    run_id = acceptance_two(project).write().run_id if live else _dry_run(cli)
    folder = "browser-step-failed-browser-desktop" if live else "dry-run-contract-proof"
    path = _run_dir(project, run_id) / "feedback" / folder / "draft.json"
    assert cli("feedback", "draft").exit_code == 0
    first = path.read_bytes()
    assert cli("feedback", "draft").exit_code == 0
    assert cli("feedback", "verify").exit_code == 0
    assert path.read_bytes() == first
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", first.decode())  # no clock time enters a draft


def test_human_list_and_draft_print_a_short_summary(cli, project: Path) -> None:
    acceptance_two(project).write()
    listed = cli("feedback", "list")
    assert listed.exit_code == 0
    assert "1. browser-step-failed-browser-desktop [target-app, high" in listed.stdout
    drafted = cli("feedback", "draft")
    assert "from: candidate browser-step-failed-browser-desktop" in drafted.stdout


def test_export_copies_only_the_drafts_evidence_and_refuses_to_write_over_a_folder(cli, project: Path) -> None:
    builder = BundleBuilder(project)
    builder.trace(builder.stream("browser-desktop", label="Desktop browser", status="failed"))
    builder.write()
    candidate = "browser-step-failed-browser-desktop"
    result = cli("feedback", "export", "--candidate", candidate, "--json")
    assert result.exit_code == 0, result.stdout
    data = result.json()
    folder = project / data["exportPath"]
    assert data["exportPath"] == f".mimetic/exports/feedback-live-feedback-01-{candidate}"
    assert sorted(data["exported"]) == ["README.md", "draft.json", "traces/desktop.json"]
    assert not (folder / "run.json").exists()  # the run bundle describes every lane; it stays behind
    again = cli("feedback", "export", "--candidate", candidate, "--json")
    assert again.exit_code == 2 and again.json()["error"]["code"] == "MIMETIC_FEEDBACK_DRAFT_EXISTS"
    assert cli("feedback", "export", "--candidate", candidate, "--force", "--json").exit_code == 0


def test_export_never_follows_a_symlink_nor_copies_text_that_trips_the_scan(project: Path) -> None:
    from mimetic.contracts.feedback import FeedbackDraft
    from mimetic.feedback.export import export_folder
    from mimetic.project import Project

    builder = BundleBuilder(project)
    store = builder.store
    store.write_text("logs/app.log", "npm ERR! at /home/alice/app/node_modules/x\n")
    outside = project / "private.png"
    outside.write_bytes(b"\x89PNG not for the issue")
    (store.dir / "screenshots").mkdir(parents=True)
    (store.dir / "screenshots" / "desktop.png").symlink_to(outside)
    draft = FeedbackDraft(
        run_id=store.run_id, adapter_id="app", scenario_id="s", persona_id="p", actor="scripted-browser",
        substrate="local-browser", failure_owner="target-app", summary="s", expected="e", actual="a",
        source_bundle="run.json", idempotency_key=f"mimetic:{store.run_id}:x", proposed_next_state="watch",
        acceptance_proof=["x"], evidence=[
            FeedbackEvidence(path="screenshots/desktop.png", kind="screenshot", note="linked out of the run"),
            FeedbackEvidence(path="logs/app.log", kind="log", note="app log")])
    folder, files, skipped = export_folder(Project(project), store, draft, None, force=False)
    assert files == ["README.md", "draft.json"]
    assert not (folder / "screenshots").exists() and not (folder / "logs").exists()
    assert [line.split(" was left out")[0] for line in skipped] == ["screenshots/desktop.png", "logs/app.log"]
    assert "absolute home or temp path" in skipped[1]


def test_issue_all_and_candidate_together_is_a_usage_error(cli, project: Path) -> None:
    acceptance_two(project).write()
    result = cli("feedback", "issue", "--all", "--candidate", "x", "--repo", "example/app", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_FEEDBACK_OPTION_CONFLICT"
