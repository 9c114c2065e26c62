"""Turns for CPU-heavy lane phases: lanes that share this machine take turns to install and to prove.

Four lanes on two cores that all install, compile and drive Chromium at once all time out. The run
makes a folder of lock files, `<phase>-<n>.lock`, before its lanes start; each lane's bootstrap
holds one of a phase's locks (`flock`) while that phase runs (see `gated` in bootstrap.sh), so at
most `heavy_slots()` lanes install, and as many run their browser proof (warm-up compile included),
at a time — while others clone, start or wait for their app. A lock dies with the process holding
it: a killed lane never keeps a slot.
"""

from __future__ import annotations

import os
from pathlib import Path

PHASES = ("install", "proof")
GATES_DIR = "gates"


def heavy_slots() -> int:
    """How many lanes may run one CPU-heavy phase at a time: half the CPUs, at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def make_gates(run_tmp: Path) -> Path:
    """The run's lock folder (beside its lane roots, never inside one: a lane cannot swap it for a link)."""
    folder = run_tmp / GATES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for phase in PHASES:
        for slot in range(heavy_slots()):
            (folder / f"{phase}-{slot}.lock").touch(exist_ok=True)
    return folder
