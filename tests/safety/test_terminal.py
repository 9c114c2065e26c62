"""Terminal control sequences never reach a terminal or a text file a person reads."""

from __future__ import annotations

import json

import pytest
from fixtures.observer_runs import make_observer_run

from mimetic.safety.terminal import strip_controls

ATTACKS = {
    "OSC 52 clipboard (BEL)": "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07",
    "OSC 0 title (ST)": "\x1b]0;pwned\x1b\\",
    "clear screen and home": "\x1b[2J\x1b[H",
    "cursor up and erase line": "\x1b[1A\x1b[2K",
    "8-bit CSI": "\x9b2J",
    "8-bit OSC": "\x9d52;c;eA==\x9c",
    "terminal reset": "\x1bc",
    "carriage return overwrite": "\r",
    "bell and backspace": "\x07\x08",
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_control_sequence_is_removed_and_the_text_around_it_kept(name):
    cleaned = strip_controls(f"app ready{ATTACKS[name]} on port 3000\n\tdone é")
    assert cleaned == "app ready on port 3000\n\tdone é"


def test_human_output_and_review_md_carry_no_control_sequence(cli, project):
    store, bundle = make_observer_run(project, lanes=2)
    bundle.review.summary = "Lane said: " + "".join(ATTACKS.values()) + "bye"
    store.write_bundle(bundle, markdown=f"# Review\n\n{bundle.review.summary}\n")
    review_md = (store.dir / "review.md").read_text()
    assert "Lane said: bye" in review_md and not any(ch in review_md for ch in "\x1b\x9b\x9d\x07\r")
    assert json.loads((store.dir / "run.json").read_text())["review"]["summary"].endswith("bye")
    shown = cli("review", "--run", store.run_id)
    assert "Lane said:" in shown.stdout + shown.stderr
    assert not any(ch in shown.stdout + shown.stderr for ch in "\x1b\x9b\x9d\x07\r")


CONTROL_BYTES = "\x1b\x9b\x9d\x07\r\x90\x9c"
ALL_ATTACKS = "".join(ATTACKS.values())


def shows_none(call) -> bool:
    return not any(ch in call.stdout + call.stderr for ch in CONTROL_BYTES)


def test_rich_tables_of_labs_runs_and_stats_carry_no_control_sequence(cli, project):
    assert cli("init", "--yes").exit_code == 0
    (project / "mimetic/labs/evil.yaml").write_text(json.dumps({
        "schema": "mimetic.lab.v1", "id": "evil", "kind": "synthetic", "title": f"Evil{ALL_ATTACKS} lab",
        "sims": 1}) + "\n")
    store, bundle = make_observer_run(project, lanes=1)
    # A run.json edited by hand, or committed by a repository into its own .mimetic/: runs and stats read it.
    data = json.loads((store.dir / "run.json").read_text())
    data["createdAt"] = f"2026-11-29{ALL_ATTACKS}"
    data["review"]["verdict"] = f"pass{ALL_ATTACKS}"
    data["lab"] = {"id": f"lab{ALL_ATTACKS}", "kind": "synthetic", "origin": "committed"}
    (store.dir / "run.json").write_text(json.dumps(data))

    labs = cli("lab", "list")
    assert "Evil lab" in labs.stdout and shows_none(labs), labs.stdout
    runs = cli("runs")
    assert store.run_id in runs.stdout and shows_none(runs), runs.stdout
    stats = cli("stats")
    assert stats.exit_code == 0 and shows_none(stats), stats.stdout


def test_the_live_lane_table_shows_a_lanes_own_words_without_their_control_sequences(capsys):
    from mimetic.cli.lane import LaneTable

    with LaneTable() as table:
        table([{"sim_id": "oss-01", "label": f"acme/app{ALL_ATTACKS}", "status": "failed", "progress": 100,
                "step": "Lane said: \x1b]0;pwned\x07\x1b[2J\x9b2Japp failed"}])
    shown = capsys.readouterr()
    assert "Lane said: app failed" in shown.err
    assert not any(ch in shown.out + shown.err for ch in CONTROL_BYTES)
