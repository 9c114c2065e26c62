"""`mimetic observe` (serve a finished run) and `mimetic export` (one offline HTML file, verify-gated)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from fixtures.observer_runs import make_observer_run, png_bytes
from fixtures.processes import Background


def embedded(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="observer-data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_observe_json_prints_one_document_then_serves_until_ctrl_c(cli, project):
    cli("run", "--dry-run", "--sims", "2", "--json")
    observe = Background("observe", "--json", cwd=project)
    try:
        observe.wait_for(lambda line: line == "}")
        data = json.loads("\n".join(observe.lines))
        assert data["schema"] == "mimetic.observer-result.v1" and data["opened"] is False
        assert data["observerUrl"] == data["serverUrl"] + "/observer/index.html?token=" + data["accessToken"]
        data_url = data["serverUrl"] + "/observer/observer-data.json"
        with urllib.request.urlopen(data_url + "?token=" + data["accessToken"], timeout=5) as response:
            assert len(json.loads(response.read())["streams"]) == 2
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(data_url, timeout=5)
        assert refused.value.code == 403
        assert observe.interrupt() == 0
    finally:
        observe.kill()
    assert observe.lines[-1] == "}"  # nothing but the one document on stdout


def test_observe_human_mode_serves_and_stops_cleanly(cli, project):
    cli("run", "--dry-run", "--json")
    observe = Background("observe", "--run", "latest", "--no-open", cwd=project)
    try:
        url = observe.wait_for(lambda line: line.startswith("watching: http")).split(" ", 1)[1]
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
        assert observe.interrupt() == 0
    finally:
        observe.kill()
    assert "observe stopped" in observe.lines


def test_observe_without_a_run_exits_2(cli):
    result = cli("observe", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_RUN_NOT_FOUND"


def test_observe_rejects_a_bad_port(cli):
    result = cli("observe", "--port", "65536", "--json")
    assert result.exit_code == 2 and result.json()["error"]["code"] == "MIMETIC_INVALID_PORT"


def test_export_writes_one_file_with_screenshots_and_setup_evidence_inlined(cli, project):
    store, _ = make_observer_run(project)
    data = cli("export", "--json").json()
    assert data["ok"] is True and data["runId"] == store.run_id
    assert data["outPath"] == f".mimetic/exports/{store.run_id}.html"
    assert data["screenshotsInlined"] == 1 and data["artifactsInlined"] == 1
    html = (project / data["outPath"]).read_text()
    assert data["bytes"] == (project / data["outPath"]).stat().st_size
    page = embedded(html)
    assert page["streams"][0]["screenshot"].startswith("data:image/png;base64,")
    assert all(s["screenshot"].startswith("data:") for s in page["streams"] if s.get("screenshot"))
    assert page["inlineArtifacts"]["setup-quality/sim-01-ui-setup-quality.json"]["schema"] == "mimetic.setup-quality.v1"
    assert 'data-observer-mode="export"' in html


def test_export_out_writes_where_asked(cli, project):
    cli("run", "--dry-run", "--json")
    data = cli("export", "--out", "share/observer.html", "--json").json()
    assert data["outPath"] == "share/observer.html" and (project / "share/observer.html").is_file()


def test_export_is_refused_with_the_reason_when_verify_fails(cli, project):
    store, _ = make_observer_run(project)
    (store.dir / "screenshots/sim-01-ui.png").unlink()  # evidence the bundle names is gone
    result = cli("export", "--json")
    assert result.exit_code == 2
    error = result.json()["error"]
    assert error["code"] == "MIMETIC_INVALID_RUN_BUNDLE" and "screenshots/sim-01-ui.png" in error["message"]
    assert not (project / ".mimetic/exports").exists()
    human = cli("export")
    assert human.exit_code == 2 and "local evidence artifacts exist" in human.stderr


def test_export_inlines_each_screenshot_file_once_even_when_lanes_share_it(cli, project):
    store, bundle = make_observer_run(project, lanes=3)
    store.write_bytes("screenshots/shared.png", png_bytes(40, 30))
    for stream in bundle.streams:
        stream.ui = stream.ui or type(bundle.streams[0].ui)()
        stream.ui.screenshot_url = "../screenshots/shared.png"
    from mimetic.labs.synthetic import write_run

    write_run(store, bundle)
    data = cli("export", "--json").json()
    page = embedded((project / data["outPath"]).read_text())
    assert data["screenshotsInlined"] == 1
    assert len({s["screenshot"] for s in page["streams"]}) == 1
