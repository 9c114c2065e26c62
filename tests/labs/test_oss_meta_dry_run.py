import json

import pytest

from conftest import files_under


def _bundle(project, run_id):
    return json.loads((project / f".mimetic/runs/{run_id}/run.json").read_text())


def test_repos_flag_with_count_cycles_the_repos_and_redact_repos_hides_them(cli, project):
    result = cli("lab", "run", "oss", "--dry-run", "--json", "--no-open", "--repos", "a/b,c/d", "--count", "4",
                 "--redact-repos", "--run-id", "meta")
    assert result.exit_code == 0, result.stdout
    data = result.json()
    assert data["schema"] == "mimetic.oss-meta-lab-result.v1" and data["verdict"] == "contract_proof_only"
    assert [a["repo"] for a in data["assignments"]] == ["repo-01", "repo-02", "repo-03", "repo-04"]
    assert data["repos"] == ["repo-01", "repo-02"] and data["repoLabels"] == {}  # one label per repo given
    assert [r["label"] for r in data["redacted"]] == ["repo-01", "repo-02", "repo-03", "repo-04"]
    assert all("--redact-repos" in r["reason"] for r in data["redacted"])
    bundle = _bundle(project, "meta")
    assert "a/b" not in json.dumps(bundle) and "c/d" not in json.dumps(bundle)
    assert [s["status"] for s in bundle["simulations"]] == ["contract_proof_only"] * 4
    stream = bundle["streams"][0]
    assert stream["ui"]["route"] == "e2b://desktop/repo-01"
    assert "mimetic init --yes" in stream["terminal"]["tail"] and "mimetic run --app-url" in stream["terminal"]["tail"]
    assert cli("verify", "--run", "latest", "--json").json()["ok"]


def test_unredacted_lanes_cycle_a_b_c_d(cli, project):
    data = cli("lab", "run", "oss", "--dry-run", "--json", "--repos", "a/b,c/d", "--count", "4",
               "--no-redact-repos").json()
    assert [a["repo"] for a in data["assignments"]] == ["a/b", "c/d", "a/b", "c/d"]
    assert [a["streamId"] for a in data["assignments"]][:2] == ["oss-01-desktop", "oss-02-desktop"]


def test_manifest_repos_are_kept_unredacted_in_a_dry_run(cli, project):
    data = cli("lab", "run", "oss", "--dry-run", "--json").json()
    assert data["redactRepos"] is False and data["assignments"][0]["repo"] == "CorentinTh/it-tools"
    assert data["count"] == 4


@pytest.mark.parametrize("count", ["65", "1000"])
def test_many_lanes_work_in_dry_run(cli, project, count):
    result = cli("lab", "run", "oss", "--dry-run", "--json", "--count", count, "--run-id", f"m{count}")
    assert result.exit_code == 0 and len(result.json()["assignments"]) == int(count)
    assert cli("verify", "--run", f"m{count}", "--json").json()["ok"]


@pytest.mark.parametrize("args", [
    ["--repos", "https://github.com/a/b"], ["--repos", "git@github.com:a/b.git"], ["--repos", "../x"],
    ["--repos", "a/b/c"], ["--repo", "a/b", "--repo", "/etc/passwd"], ["--count", "0"], ["--run-id", "../../etc"],
])
def test_bad_inputs_exit_2_with_a_precise_code_and_write_nothing(cli, project, args):
    result = cli("lab", "run", "oss", "--dry-run", "--json", *args)
    assert result.exit_code == 2
    assert result.json()["error"]["code"] in {"MIMETIC_INVALID_OSS_REPO", "MIMETIC_INVALID_OSS_COUNT",
                                              "MIMETIC_INVALID_RUN_ID"}
    assert files_under(project) == []


@pytest.mark.parametrize("lab", ["oss", "oss-smoke"])
def test_non_positive_concurrency_is_rejected_even_for_a_dry_run(cli, project, lab):
    result = cli("lab", "run", lab, "--dry-run", "--concurrency", "0", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_CONCURRENCY"
    assert files_under(project) == []


def test_repos_without_count_get_one_lane_each_named_by_slug(cli, project):
    data = cli("lab", "run", "oss", "--dry-run", "--json", "--repos", "a/b,c/d,e/f").json()
    assert data["count"] == 3 and [a["repo"] for a in data["assignments"]] == ["a/b", "c/d", "e/f"]
    assert data["repos"] == ["a/b", "c/d", "e/f"] and data["redactRepos"] is False
    assert data["repoLabels"] == {"a/b": "a/b", "c/d": "c/d", "e/f": "e/f"}


def test_a_dry_run_says_it_did_not_check_that_the_repos_exist(cli, project):
    data = cli("lab", "run", "oss", "--dry-run", "--json", "--repos", "made-up/not-a-real-repo-xyz").json()
    assert data["ok"] is True and data["verdict"] == "contract_proof_only"
    assert any("may not exist" in w and "nothing was cloned or checked" in w for w in data["warnings"])
