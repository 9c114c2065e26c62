"""observer-data.v1 and the rendered page: shape, per-lane facts, escaping, and render cost."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from fixtures.observer_runs import XSS_SCRIPT, make_observer_run

from mimetic.bundle.verify import verify_run
from mimetic.contracts.evidence import ActorReport
from mimetic.contracts.observer import ObserverData
from mimetic.labs.synthetic import run_synthetic
from mimetic.observer.data import ACTIVE, BLOCKED, KIND_LABELS, TONES
from mimetic.observer.render import CSP, TEMPLATES, embed_json, observer_data, render_html
from mimetic.project import Project


def embedded_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="observer-data">(.*?)</script>', html, re.S)
    assert match, "observer-data block missing"
    return json.loads(match.group(1))


@pytest.fixture
def run(project):
    return make_observer_run(project)


def test_dry_run_writes_observer_page_and_data_that_verify(cli, project):
    result = cli("run", "--dry-run", "--sims", "3", "--json").json()
    run_dir = project / result["artifactRoot"]
    data = json.loads((run_dir / "observer/observer-data.json").read_text())
    html = (run_dir / "observer/index.html").read_text()
    assert ObserverData.model_validate(data).run.run_id == result["runId"]
    assert f"<title>Mimetic Observer - {result['runId']}</title>" in html
    assert embedded_data(html)["run"]["runId"] == result["runId"]
    assert cli("verify", "--run", "latest", "--json").json()["ok"] is True


def test_summary_counts_lanes_by_kind_status_tone_activity_and_warnings(run):
    store, bundle = run
    data = json.loads((store.dir / "observer/observer-data.json").read_text())
    statuses = [s.status for s in bundle.streams]
    summary = data["summary"]
    assert summary["streams"] == len(bundle.streams)
    assert set(summary["byKind"]) == set(KIND_LABELS)  # all seven kinds, zeros included
    assert {k: v for k, v in summary["byKind"].items() if v} == dict(Counter(s.kind for s in bundle.streams))
    assert summary["byStatus"] == dict(Counter(statuses))
    assert summary["byTone"] == dict(Counter(TONES[s] for s in statuses))
    assert summary["active"] == sum(s in ACTIVE for s in statuses) > 0
    assert summary["blocked"] == sum(s in BLOCKED for s in statuses) > 0
    # The Attention card agrees with By status: failed lanes are counted as failed, never as blocked.
    by_status = summary["byStatus"]
    assert summary["failed"] == by_status.get("failed", 0) > 0
    assert summary["blocked"] == sum(by_status.get(s, 0) for s in ("blocked", "timed_out", "interrupted"))
    assert summary["warnings"] == sum(e.level == "warn" for e in bundle.events)
    assert data["run"]["tone"] == "running"  # any running lane makes the run read as running
    assert data["run"]["status"] == bundle.review.verdict
    assert data["run"]["knownGaps"] == bundle.review.gaps
    assert data["run"]["title"] == f"{bundle.scenario.title} - {bundle.persona.name}"


def test_each_lane_carries_its_simulation_labels_plain_terminal_and_own_timeline(run):
    store, bundle = run
    data = json.loads((store.dir / "observer/observer-data.json").read_text())
    lanes = {lane["id"]: lane for lane in data["streams"]}
    sims = {sim.id: sim for sim in bundle.simulations}
    for stream in bundle.streams:
        lane = lanes[stream.id]
        assert lane["sim"]["id"] == stream.sim_id
        assert lane["progress"] == sims[stream.sim_id].progress
        assert lane["currentStep"] == sims[stream.sim_id].current_step
        assert lane["kindLabel"] == KIND_LABELS[stream.kind]
        assert all(e.get("streamId") == stream.id or e.get("simId") == stream.sim_id for e in lane["timeline"])
        assert len(lane["timeline"]) == sum(e.stream_id == stream.id for e in bundle.events)
    tui = next(lane for lane in data["streams"] if lane["kind"] == "tui")
    assert "\x1b" in tui["terminal"]["tail"] and "\x1b" not in tui["terminalPlain"]
    assert "contract proof only" in tui["terminalPlain"]
    assert {lane["statusLabel"] for lane in data["streams"] if lane["status"] == "timed_out"} == {"Timed out"}


def test_actor_report_referenced_by_a_lane_shows_status_steps_cost_and_findings(run):
    store, bundle = run
    lane = json.loads((store.dir / "observer/observer-data.json").read_text())["streams"][0]
    report = ActorReport.model_validate_json((store.dir / f"actors/{lane['id']}.json").read_text())
    assert lane["actor"]["status"] == report.status
    assert lane["actor"]["steps"] == report.steps
    assert lane["actor"]["costUsd"] == report.cost_usd
    assert [f["observed"] for f in lane["actor"]["findings"]] == [f.observed for f in report.findings]
    others = json.loads((store.dir / "observer/observer-data.json").read_text())["streams"][1:]
    assert all("actor" not in other for other in others)


def test_an_actor_report_symlinked_out_of_the_run_is_not_read_into_the_page(run, tmp_path):
    store, bundle = run
    report = store.dir / f"actors/{bundle.streams[0].id}.json"
    outside = tmp_path / "outside-actor.json"
    outside.write_text(report.read_text())
    report.unlink()
    report.symlink_to(outside)
    assert "actor" not in observer_data(store, bundle)["streams"][0]

def test_screenshot_is_resolved_relative_to_the_page_and_links_point_at_the_bundle(run):
    store, _ = run
    data = json.loads((store.dir / "observer/observer-data.json").read_text())
    shot = data["streams"][0]["screenshot"]
    assert shot == "../screenshots/sim-01-ui.png"
    assert (store.dir / "observer" / shot).resolve().is_file()
    hrefs = {link["label"]: link["href"] for link in data["artifactLinks"]}
    assert hrefs["Run bundle"] == "../run.json"
    for href in hrefs.values():
        assert (store.dir / "observer" / href).resolve().is_file(), href
    assert data["publicSafety"]["publishable"] is False


def test_embedded_json_cannot_end_its_script_block_or_split_js_lines():
    text = f"{XSS_SCRIPT} & <!-- \u2028 \u2029"
    embedded = embed_json({"label": text})
    assert not set("<>&\u2028\u2029") & set(embedded)
    assert json.loads(embedded) == {"label": text}


def test_page_has_exactly_two_scripts_even_when_lane_text_contains_script_tags(project):
    store, _ = make_observer_run(project, xss=True)
    html = (store.dir / "observer/index.html").read_text()
    assert html.lower().count("<script") == 2 and html.lower().count("</script") == 2
    assert XSS_SCRIPT in json.dumps(embedded_data(html))
    assert verify_run(Project(project.resolve()), "latest").ok


def test_page_assets_load_nothing_from_the_network():
    css = (TEMPLATES / "observer.css").read_text()
    js = (TEMPLATES / "observer.js").read_text()
    template = (TEMPLATES / "index.html.j2").read_text()
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    assert "<link" not in template and " src=" not in template
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert "default-src 'none'" in CSP and "connect-src 'self'" in CSP


def test_a_thousand_lanes_build_and_render_into_one_page_holding_every_stream(project):
    # How fast is measured in bench/observer_render.py; here, that the page is whole.
    store, bundle, _ = run_synthetic(Project(project.resolve()), sims=1000, run_id="bench-1000")
    html = render_html(observer_data(store, bundle))
    streams = embedded_data(html)["streams"]
    assert len(streams) == 1000 and len({stream["id"] for stream in streams}) == 1000


def test_the_page_says_live_only_while_a_lane_is_running():
    js = (TEMPLATES / "observer.js").read_text(encoding="utf-8")
    # A finished live run reads "Finished"; "Live" needs a running run tone.
    assert 'run.tone === "running" ? "Live" : "Finished"' in js
