"""The one bootstrap script and the environment a lane receives."""

from __future__ import annotations

import json
import subprocess

from mimetic.lanes.bootstrap import FORWARDED_FLAGS, PRIVATE_TOKEN_NAME, bootstrap_inputs, bootstrap_script
from mimetic.lanes.env import host_basics


def test_the_bootstrap_is_bash_n_clean(tmp_path):
    script = tmp_path / "bootstrap.sh"
    script.write_text(bootstrap_script())
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True).returncode == 0


def test_without_a_runnable_mimetic_the_exit_trap_still_writes_a_failed_completion(tmp_path):
    root = tmp_path / "lane"
    env = {"PATH": "/usr/bin:/bin", "MIMETIC_LANE_ROOT": str(root), "MIMETIC_LANE_SLUG": "a/b",
           "MIMETIC_LANE_PYTHON": str(tmp_path / "no-python")}
    done = subprocess.run(["bash", "-c", bootstrap_script()], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    completion = json.loads((root / "completion.json").read_text())
    assert completion["schema"] == "mimetic.oss-meta-bootstrap-completion.v1" and completion["status"] == "failed"
    assert completion["exitCode"] == 1
    assert "failed: The lane's mimetic does not run." in (root / "bootstrap.log").read_text()


def test_lane_inputs_carry_forwarded_flags_and_never_model_or_e2b_keys(monkeypatch):
    for name in ("OPENAI_API_KEY", "E2B_API_KEY", "CODEX_API_KEY", "GH_TOKEN"):
        monkeypatch.setenv(name, f"secret-value-of-{name}")
    monkeypatch.setenv("MIMETIC_OSS_META_REQUIRE_ACTOR", "1")
    monkeypatch.setenv("MIMETIC_GIT_BASE_URL", "file:///srv/mirror/")
    inputs = bootstrap_inputs(slug="a/b", nested_run_id="nested-oss-01", private=True)
    assert inputs == {"MIMETIC_LANE_SLUG": "a/b", "MIMETIC_LANE_RUN_ID": "nested-oss-01",
                      "MIMETIC_GIT_BASE_URL": "file:///srv/mirror", "MIMETIC_LANE_PRIVATE": "1",
                      "MIMETIC_OSS_META_REQUIRE_ACTOR": "1"}
    assert "MIMETIC_OSS_META_REQUIRE_ACTOR" in FORWARDED_FLAGS
    with_token = bootstrap_inputs(slug="a/b", nested_run_id="n", private=False, token="tok")
    assert with_token[PRIVATE_TOKEN_NAME] == "tok"
    basics = host_basics()
    assert "PATH" in basics and not any(name in basics for name in ("OPENAI_API_KEY", "E2B_API_KEY", "GH_TOKEN"))
