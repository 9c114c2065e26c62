"""`mimetic lab run oss-smoke` over fixture repositories served from a file:// mirror."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from reliability.support import mimetic_process, signal_once_there

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "fixture", "GIT_AUTHOR_EMAIL": "fixture@example.invalid",
           "GIT_COMMITTER_NAME": "fixture", "GIT_COMMITTER_EMAIL": "fixture@example.invalid"}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


def publish(mirror: Path, slug: str) -> None:
    """A small Node app committed and pushed to `<mirror>/<slug>.git` (a bare repo)."""
    work = mirror.parent / "work" / slug.replace("/", "__")
    work.mkdir(parents=True)
    (work / "package.json").write_text(json.dumps({"name": slug.split("/")[1], "private": True,
                                                   "scripts": {"dev": "node server.js"}}, indent=2))
    (work / "server.js").write_text("require('http').createServer((q, s) => s.end('ok')).listen(3000);\n")
    (work / "README.md").write_text(f"# {slug}\n")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "fixture", cwd=work)
    bare = mirror / f"{slug}.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    git("clone", "-q", "--bare", str(work), str(bare), cwd=mirror)


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "mirror"
    root.mkdir()
    for slug in ("fixture/todo", "fixture/notes"):
        publish(root, slug)
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", f"file://{root}")
    return root


def test_two_repos_get_per_step_results_a_report_and_removed_clones(cli, project, mirror):
    call = cli("lab", "run", "oss-smoke", "--repos", "fixture/todo,fixture/notes", "--run-id", "smoke-1", "--json")
    data = call.json()

    assert call.exit_code == 0, json.dumps(data, indent=1)
    assert data["schema"] == "mimetic.oss-lab-result.v1" and data["ok"] is True
    assert [r["repo"] for r in data["repos"]] == ["fixture/todo", "fixture/notes"]
    for repo in data["repos"]:
        assert [s["name"] for s in repo["steps"]] == ["clone", "mimetic init", "mimetic doctor",
                                                      "mimetic run --dry-run", "mimetic verify"]
        assert all(step["ok"] and step["durationMs"] >= 0 and step["summary"] for step in repo["steps"])
        assert repo["mimeticRunId"] == f"smoke-1-{repo['repo'].replace('/', '-')}"
        assert "verdict contract_proof_only" in repo["steps"][3]["summary"]
        assert any(line.endswith("mimetic/config.yaml") for line in repo["changedFiles"])
        assert repo["clonePath"] == f".mimetic/tmp/oss-lab/smoke-1/{repo['repo'].replace('/', '__')}"
    assert data["cleanup"] == {"kept": False, "sandboxRemoved": True}
    assert not (project / ".mimetic/tmp/oss-lab/smoke-1").exists()

    report = json.loads((project / ".mimetic/lab/oss/smoke-1/report.json").read_text())
    assert report["repos"] == data["repos"] and report["cwd"] == "[target-cwd]"
    markdown = (project / ".mimetic/lab/oss/smoke-1/report.md").read_text()
    assert "| Repo | Result | Steps | Changed files |" in markdown
    assert "| fixture/todo | pass | 5/5 |" in markdown
    assert markdown.rstrip().endswith(
        "All clones are disposable public OSS trials. Do not commit cloned target changes.")


def test_a_repo_that_fails_to_clone_fails_alone(cli, project, mirror):
    call = cli("lab", "run", "oss-smoke", "--repos", "fixture/missing,fixture/todo", "--run-id", "smoke-2", "--json")
    data = call.json()

    assert call.exit_code == 1 and data["ok"] is False
    missing, todo = data["repos"]
    assert missing["ok"] is False and [s["name"] for s in missing["steps"]] == ["clone"]
    assert missing["steps"][0]["ok"] is False and missing["steps"][0]["summary"].startswith("clone failed")
    assert missing["changedFiles"] == [] and "Clone failed" in missing["warnings"][0]
    assert todo["ok"] is True and len(todo["steps"]) == 5
    assert "| fixture/missing | fail | 0/1 | 0 |" in (project / ".mimetic/lab/oss/smoke-2/report.md").read_text()


def test_keep_leaves_the_clone_and_limit_takes_the_first_repos(cli, project, mirror):
    call = cli("lab", "run", "oss-smoke", "--repos", "fixture/notes,fixture/todo", "--limit", "1", "--keep",
               "--run-id", "smoke-3")

    assert call.exit_code == 0, call.stdout
    assert "mimetic lab oss-smoke passed" in call.stdout
    assert "sandbox: .mimetic/tmp/oss-lab/smoke-3" in call.stdout
    assert "- ok fixture/notes: 5/5 steps" in call.stdout and "fixture/todo" not in call.stdout
    clone = project / ".mimetic/tmp/oss-lab/smoke-3/fixture__notes"
    assert (clone / "mimetic/config.yaml").is_file()
    assert (clone / ".mimetic/runs/smoke-3-fixture-notes/run.json").is_file()


@pytest.mark.parametrize("limit", ["0", "-2"])
def test_a_limit_below_one_is_rejected(cli, project, limit):
    call = cli("lab", "run", "oss-smoke", "--repos", "fixture/todo", f"--limit={limit}", "--json")
    assert call.exit_code == 2 and call.json()["error"]["code"] == "MIMETIC_INVALID_OSS_LIMIT"
    assert not (project / ".mimetic/lab").exists()


def test_a_smoke_run_stopped_by_sigterm_ends_interrupted_with_its_report(project, mirror):
    process = mimetic_process("lab", "run", "oss-smoke", "--repos", "fixture/todo,fixture/notes", "--concurrency", "1",
                              "--run-id", "smoke-term", "--json", cwd=project)
    # The first trial's folder appears once it has started.
    out, err = signal_once_there(process, project / ".mimetic/tmp/oss-lab/smoke-term", signal.SIGTERM)
    assert process.returncode == 130, err[-2000:]
    data = json.loads(out)
    assert data["interrupted"] is True and data["ok"] is False
    report = json.loads((project / data["reportJsonPath"]).read_text())
    assert report["interrupted"] is True and [r["repo"] for r in report["repos"]] == ["fixture/todo", "fixture/notes"]
    assert any("Interrupted" in warning for repo in report["repos"] for warning in repo["warnings"]), report["repos"]
