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
