"""Setup-quality and study-quality evidence: honest ratings, bounded trees and previews, safe ingest."""

from __future__ import annotations

import json

import pytest

from mimetic.lanes.scrub import lane_scrubber
from mimetic.lanes.setup_quality import (
    PREVIEW_CHARS, PRIVATE_NOTE, TREE_MAX_ENTRIES, build_setup_quality, sanitize_setup_quality, setup_facts,
)
from mimetic.lanes.study_quality import app_url_proof_blocked, rate_study


@pytest.fixture
def initialised(cli, project):
    (project / "package.json").write_text(json.dumps({"name": "shop", "scripts": {"dev": "vite"}}))
    assert cli("init", "--yes", "--json").exit_code == 0
    return project


def test_a_repo_that_only_ran_init_passes_setup_checks_and_is_rated_ceremonial(initialised):
    facts = setup_facts(initialised)
    study = rate_study(initialised, facts, app_url_proof_passed=True)
    quality = build_setup_quality(initialised, study=study)
    assert quality.status == "passed" and all(check.ok for check in quality.checks)
    assert [c.id for c in quality.checks] == ["mimetic-config", "personas", "scenarios", "package-script", "runtime-ignore"]
    assert study.rating == "ceremonial"
    assert study.summary == "Study-quality rating ceremonial from 1/5 app-specific leverage signals."
    assert {p.path for p in quality.previews} >= {"package.json", ".gitignore", "mimetic/config.yaml"}


def test_customised_personas_scenarios_and_coverage_make_a_study_useful(initialised):
    source = initialised / "mimetic"
    (source / "personas" / "checkout-admin.yaml").write_text("id: checkout-admin\nname: Store admin\nrole: admin\n")
    (source / "scenarios" / "refund-flow.yaml").write_text("id: refund-flow\ntitle: Refund\ngoal: refund an empty cart error\n")
    (source / "coverage-map.md").write_text("# Coverage\n\n- Checkout route: happy path and sad path (declined card).\n")
    study = rate_study(initialised, setup_facts(initialised))
    assert study.rating == "useful"
    observed = rate_study(initialised, setup_facts(initialised), actor_texts=["Observed friction: the refund button hides."],
                          app_url_proof_passed=True)
    assert observed.rating == "high_leverage"


def test_no_config_means_rating_none_and_needs_review(tmp_path):
    quality = build_setup_quality(tmp_path, study=rate_study(tmp_path, setup_facts(tmp_path)))
    assert quality.status == "needs_review" and quality.summary == "5 setup-quality gap(s) need review."
    assert quality.study_quality.rating == "none"


@pytest.mark.parametrize("text", [
    "The CLI does **not** expose `--app-url`, so I stopped.",
    "mimetic run --app-url http://127.0.0.1:3000 -> error: unknown option",
    "app-url proof: not available in this version",
])
def test_an_app_url_blocker_is_recognised_even_through_markdown(text):
    assert app_url_proof_blocked(text)


def test_the_tree_skips_heavy_and_secret_folders_and_is_capped(tmp_path):
    for folder in ("node_modules/x", ".git/objects", "dist", ".mimetic/runs"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "f.txt").write_text("x")
    (tmp_path / ".env.local").write_text("TOKEN=1")
    (tmp_path / "many").mkdir()
    for i in range(300):
        (tmp_path / "many" / f"f{i:03d}.txt").write_text("x")
    tree = build_setup_quality(tmp_path).tree
    paths = [entry.path for entry in tree]
    assert len(tree) == TREE_MAX_ENTRIES
    assert not any(p.split("/")[0] in {"node_modules", ".git", "dist", ".mimetic", ".env.local"} for p in paths)


def test_previews_are_secret_redacted_and_bounded(tmp_path):
    secret = "ghp_" + "x" * 30
    (tmp_path / "package.json").write_text(json.dumps({"name": "a", "scripts": {"dev": f"TOKEN={secret} vite"}}))
    (tmp_path / ".gitignore").write_text("a\n" * 20000)
    quality = build_setup_quality(tmp_path)
    previews = {p.path: p for p in quality.previews}
    assert secret not in previews["package.json"].text
    assert previews[".gitignore"].truncated and len(previews[".gitignore"].text) <= PREVIEW_CHARS


def test_ingest_drops_unsafe_paths_scrubs_text_and_suppresses_previews_for_private_runs(tmp_path):
    raw = {
        "schema": "mimetic.setup-quality.v1", "generatedAt": "2026-01-01T00:00:00Z", "summary": "acme/secret-shop ok",
        "status": "passed", "checks": [{"id": "personas", "ok": True, "detail": f"at {tmp_path}/x"}] * 50,
        "tree": [{"path": p, "type": "file"} for p in ("/etc/passwd", "../up", ".env", "a/.npmrc", "src/app.ts",
                                                       "http://x/y", "node_modules/a")],
        "previews": [{"path": "package.json", "language": "json", "text": "secret-shop " * 2000}],
        "packageScripts": {"dev": "vite", "bad key!": "x", "long": "y" * 900},
    }
    scrub = lane_scrubber(lane_root=None, project_root=tmp_path, home=None, repos=[("acme/secret-shop", "repo-01")])
    public = sanitize_setup_quality(raw, private=False, scrub=scrub.text)
    assert [e.path for e in public.tree] == ["src/app.ts"]
    assert len(public.checks) == 40 and public.checks[0].detail == "at [target-cwd]/x"
    assert public.summary == "repo-01 ok" and "secret-shop" not in public.previews[0].text
    assert len(public.previews[0].text) <= PREVIEW_CHARS
    assert set(public.package_scripts) == {"dev", "long"} and len(public.package_scripts["long"]) == 300
    private = sanitize_setup_quality(raw, private=True, scrub=scrub.text)
    assert private.previews == [] and private.redaction.raw_previews == "suppressed"
    assert private.redaction.notes == PRIVATE_NOTE
    assert sanitize_setup_quality({"schema": "nope"}, private=False, scrub=scrub.text) is None
