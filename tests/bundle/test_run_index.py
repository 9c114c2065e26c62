"""The run index lets `runs` and `stats` read a few fields per run instead of every run.json; it is a
cache only: a run missing from it, or rewritten since, is read in full, and a bad run is still skipped
with a warning."""

from __future__ import annotations

import json

import pytest

from mimetic.bundle import run_index
from mimetic.bundle.run_index import INDEX_FILE, indexed_runs
from mimetic.bundle.store import list_runs
from mimetic.labs.synthetic import run_synthetic
from mimetic.project import Project
from mimetic.stats import collect_stats


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path)
    for index in range(3):
        run_synthetic(project, sims=2 + index, run_id=f"run-{index}")
    return project


def test_a_finished_run_is_indexed_and_read_from_the_index_alone(project, monkeypatch):
    lines = (project.runs_dir / INDEX_FILE).read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["runId"] for line in lines) == ["run-0", "run-1", "run-2"]

    def no_parsing(path):
        raise AssertionError(f"{path} was parsed although the index holds it")

    monkeypatch.setattr(run_index, "read_json", no_parsing)
    runs = {run["runId"]: run for run in list_runs(project)}
    assert runs["run-2"]["mode"] == "dry-run" and runs["run-2"]["verdict"] == "contract_proof_only"
    stats = collect_stats(project)
    assert stats.run_count == 3 and stats.outcomes == {"contract_proof_only": 3}
    assert {r.run_id: r.duration_ms is not None for r in stats.runs} == {"run-0": True, "run-1": True, "run-2": True}


def test_a_run_missing_from_the_index_or_rewritten_since_is_read_in_full(project):
    (project.runs_dir / INDEX_FILE).write_text("not json\n", encoding="utf-8")  # a damaged index: every run read
    assert {r.run_id for r in indexed_runs(project) if r.summary} == {"run-0", "run-1", "run-2"}
    run_synthetic(project, sims=1, run_id="run-3")
    run_json = project.runs_dir / "run-1" / "run.json"
    data = json.loads(run_json.read_text(encoding="utf-8"))
    data["review"]["verdict"] = "fail"
    run_json.write_text(json.dumps(data), encoding="utf-8")  # after indexing: the entry no longer matches
    verdicts = {run["runId"]: run["verdict"] for run in list_runs(project)}
    assert verdicts == {"run-0": "contract_proof_only", "run-1": "fail", "run-2": "contract_proof_only",
                        "run-3": "contract_proof_only"}


def test_a_bad_run_is_still_skipped_with_a_warning(project):
    (project.runs_dir / "run-0" / "run.json").write_text("{ torn", encoding="utf-8")
    stats = collect_stats(project)
    assert stats.run_count == 2
    assert stats.warnings == ["run-0: run.json is not readable JSON; left out."]
    assert {run["runId"]: run["mode"] for run in list_runs(project)}["run-0"] is None
