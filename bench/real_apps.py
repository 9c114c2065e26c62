"""Wall time of real-app lanes: the default concurrency against the same lanes one at a time.

    python bench/real_apps.py --mirror /srv/mirrors owner/repo ... [--repeat 1]

Each configuration is one `mimetic lab run oss --substrate local --repos <slugs> --json` in a fresh
project, cloning from `file://<mirror>` (build one with bench/mirror_apps.py). Configurations run in
turns (default, sequential, default, …) so load from other processes hits both. Prints each run's
wall time, verdict and lane statuses, and the ratio of the medians. There is no budget: real
installs dominate and depend on the registry and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import row

CONFIGS = {"default concurrency": [], "one at a time (--concurrency 1)": ["--concurrency", "1"]}


def run_once(mirror: Path, slugs: list[str], extra: list[str]) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as tmp:
        env = {**os.environ, "MIMETIC_GIT_BASE_URL": mirror.resolve().as_uri()}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "mimetic", "lab", "run", "oss", "--substrate", "local",
                               "--repos", ",".join(slugs), "--json", "--cwd", tmp, *extra],
                              capture_output=True, text=True, env=env)
        elapsed = time.monotonic() - started
    try:
        return elapsed, json.loads(done.stdout)
    except ValueError:
        return elapsed, {"verdict": f"no result (exit {done.returncode})", "sandboxes": []}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("slugs", nargs="+")
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.repeat):
        for name, extra in CONFIGS.items():
            elapsed, result = run_once(args.mirror, args.slugs, extra)
            times[name].append(elapsed)
            lanes = ", ".join(f"{s['repo']}={s['completionStatus']}" for s in result.get("sandboxes", []))
            row(f"{len(args.slugs)} lanes, {name}", elapsed, f"verdict {result.get('verdict')}: {lanes}")
            sys.stdout.flush()
    medians = {name: statistics.median(values) for name, values in times.items()}
    default, sequential = medians.values()
    print(f"median wall time: default {default:.0f} s, one at a time {sequential:.0f} s, "
          f"ratio {sequential / default:.2f}x (os.cpu_count() = {os.cpu_count()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
