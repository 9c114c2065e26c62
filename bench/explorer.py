"""The keyless explorer on the todo fixture app: states per second and CPU per state, per input style.

    python bench/explorer.py [--repeat 3] [--actions 40]

Each sample serves a fresh defective fixture app on loopback (so every walk starts from the same data),
launches Debian Chromium once and walks it with one persona style: pointer (desktop), keyboard-only
(desktop) and touch (mobile). Wall time covers the walk only (not the browser launch); CPU is the
user+system time of this process and every process under it (the Playwright driver and Chromium),
read from /proc before and after the walk. Medians over the samples are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _timing import ROOT

sys.path.insert(0, str(ROOT / "tests"))

from fixtures.todo_app import serve_todo_app  # noqa: E402

from mimetic.browser.chromium import DESKTOP, MOBILE, find_chromium, launch_chromium  # noqa: E402
from mimetic.contracts.manifests import Persona  # noqa: E402
from mimetic.explorer.persona_style import Budget  # noqa: E402
from mimetic.explorer.walk import explore  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
STYLES = {  # label -> (persona traits, mobile)
    "pointer (desktop)": ({}, False),
    "keyboard-only (desktop)": ({"accessibilityNeeds": "keyboard-only"}, False),
    "touch (mobile)": ({}, True),
}


def tree_cpu_seconds(root: int = os.getpid()) -> float:
    """User + system CPU of `root` and all its live descendants (from /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        stats[pid] = fields
        children.setdefault(int(fields[1]), []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += int(stats[pid][11]) + int(stats[pid][12])  # utime, stime (fields 14, 15 of stat)
        todo += children.get(pid, [])
    return total / TICKS


def sample(executable: str, traits: dict, mobile: bool, actions: int) -> tuple[int, int, float, float]:
    persona = Persona.model_validate({"schema": "mimetic.persona.v1", "id": "bench", "name": "Bench", "traits": traits})
    with serve_todo_app("defective") as url, launch_chromium(executable) as launched:
        context = launched.new_context(MOBILE if mobile else DESKTOP)
        page = context.new_page()
        cpu, wall = tree_cpu_seconds(), time.perf_counter()
        trace = explore(page, persona, Budget(max_states=60, max_actions=actions, max_ms=600_000), 1,
                        app_url=url + "/", mobile=mobile)
        wall, cpu = time.perf_counter() - wall, tree_cpu_seconds() - cpu
        context.close()
    return len(trace.states), len(trace.steps), wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="walks per style (median is reported)")
    parser.add_argument("--actions", type=int, default=40, help="action budget of each walk")
    args = parser.parse_args()
    executable = find_chromium()
    results: dict[str, list[tuple[int, int, float, float]]] = {label: [] for label in STYLES}
    for _ in range(args.repeat):  # styles in turns, so a burst of load hits them alike
        for label, (traits, mobile) in STYLES.items():
            results[label].append(sample(executable, traits, mobile, args.actions))
    print(f"{'style':<26}{'states':>7}{'steps':>7}{'wall s':>8}{'states/s':>10}{'steps/s':>9}{'CPU ms/state':>14}")
    for label, rows in results.items():
        states = statistics.median(r[0] for r in rows)
        steps = statistics.median(r[1] for r in rows)
        wall = statistics.median(r[2] for r in rows)
        per_second = statistics.median(r[0] / r[2] for r in rows)
        steps_per_second = statistics.median(r[1] / r[2] for r in rows)
        cpu_per_state = statistics.median(r[3] / r[0] * 1000 for r in rows)
        print(f"{label:<26}{states:>7.0f}{steps:>7.0f}{wall:>8.1f}{per_second:>10.2f}{steps_per_second:>9.2f}"
              f"{cpu_per_state:>14.0f}")
    print(f"(median of {args.repeat} walks each, action budget {args.actions}; CPU = this process + driver + Chromium)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
