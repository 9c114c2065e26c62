"""Dry-run cost of `mimetic lab run oss --dry-run --json --no-open` at 4 / 100 / 1,000 lanes.

    python bench/dry_run_scale.py [--repeat 7]

The cost must grow linearly: the marginal cost per lane from 100 to 1,000 lanes is compared with the
one from 4 to 100 (1.0 = linear; over 1.5 counts as super-linear). Budget: 4 lanes under 0.4 s
median. Exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import tempfile

from _timing import console_script, row, run_quiet, side_by_side, verdict

LANES = (4, 100, 1000)
BUDGET_4_LANES_S = 0.4
SUPERLINEAR = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    mimetic = console_script()
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as cwd:
        calls = {lanes: run_quiet("lab", "run", "oss", "--dry-run", "--json", "--no-open", "--count", str(lanes),
                                  "--cwd", cwd, executable=mimetic) for lanes in LANES}
        medians = side_by_side(calls, repeat=args.repeat)
    for lanes, seconds in medians.items():
        row(f"lab run oss --dry-run, {lanes} lanes (median of {args.repeat})", seconds,
            f"{seconds / lanes * 1000:.2f} ms/lane")
    small, mid, large = (medians[n] for n in LANES)
    marginal_low = (mid - small) / (LANES[1] - LANES[0])
    marginal_high = (large - mid) / (LANES[2] - LANES[1])
    linearity = marginal_high / marginal_low
    print(f"marginal cost per lane: {marginal_low * 1000:.2f} ms (4->100), {marginal_high * 1000:.2f} ms (100->1000)")
    print(f"linearity (100->1000 marginal / 4->100 marginal): {linearity:.2f} (1.0 = linear, budget <= {SUPERLINEAR})")
    print(f"4-lane median {small * 1000:.0f} ms (budget {BUDGET_4_LANES_S * 1000:.0f} ms)")
    ok = verdict("dry-run 4 lanes", small < BUDGET_4_LANES_S)
    ok = verdict("dry-run linear growth", linearity <= SUPERLINEAR) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
