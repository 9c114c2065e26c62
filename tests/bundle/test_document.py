"""run.json and the Observer files are written record by record, each record redacted and serialised once:
the files must hold exactly what one whole redacted document would, and the page must embed the very
data the data file holds."""

from __future__ import annotations

import html
import json
import re

from mimetic.bundle.store import RunStore
from mimetic.labs.synthetic import build_synthetic_bundle, write_run
from mimetic.observer.render import observer_data
from mimetic.project import Project
from mimetic.safety.redact import redact_value

CANARY = "canary-7f3a9e-secret"


def _written_run(tmp_path, monkeypatch, sims=9):
    monkeypatch.setenv("APP_TOKEN", CANARY)
    project = Project(tmp_path)
    store = RunStore.new(project, "doc-run")
    bundle, _ = build_synthetic_bundle(project, store.run_id, sims)
    # Lane text a real lane might carry: a known secret, a key shape after a newline, a page-breaking tag.
    bundle.streams[1].label = f"lane </script><script>alert(1)</script> {CANARY}"
    bundle.simulations[2].current_step = "env dump:\nsk-" + "x" * 30 + " done -> next & more \u2028"
    bundle.events[3].message = f"cloned https://user:{CANARY}@example.com/repo.git"
    write_run(store, bundle)
    return store, bundle


def test_run_json_is_the_whole_redacted_bundle_one_record_per_line(tmp_path, monkeypatch):
    store, bundle = _written_run(tmp_path, monkeypatch)
    text = (store.dir / "run.json").read_text(encoding="utf-8")
    assert json.loads(text) == redact_value(bundle.to_json())
    assert CANARY not in text and "sk-xxxx" not in text
    simulation_lines = [line for line in text.splitlines() if line.startswith("    {") and "\"personaId\"" in line]
    assert len(simulation_lines) == len(bundle.simulations)


def test_events_file_holds_every_event_redacted(tmp_path, monkeypatch):
    store, bundle = _written_run(tmp_path, monkeypatch)
    lines = (store.dir / "events.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [redact_value(e.to_json()) for e in bundle.events]
    assert CANARY not in "".join(lines)


def test_page_embeds_exactly_the_data_file(tmp_path, monkeypatch):
    store, bundle = _written_run(tmp_path, monkeypatch)
    data_text = (store.dir / "observer" / "observer-data.json").read_text(encoding="utf-8")
    page = (store.dir / "observer" / "index.html").read_text(encoding="utf-8")
    embedded = re.search(r'<script type="application/json" id="observer-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded and "\u2028" not in embedded
    assert json.loads(embedded) == json.loads(data_text)
    expected = redact_value(observer_data(store, bundle))
    got = json.loads(data_text)
    for data in (expected, got):
        data.pop("generatedAt")
    assert got == expected
    assert CANARY not in page and CANARY not in data_text
    assert html.escape(bundle.run_id) in page
