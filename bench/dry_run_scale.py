"""Dry-run cost of `mimetic lab run oss --dry-run --json --no-open` at 4 / 100 / 1,000 lanes, and at 10,000.

    python bench/dry_run_scale.py [--repeat 7] [--big 10000] [--big-repeat 3] [--before /tmp/before/src]

The cost must grow linearly: the marginal cost per lane from 100 to 1,000 lanes is compared with the
one from 4 to 100 (1.0 = linear; over 1.5 counts as super-linear). Budgets: 4 lanes under 0.4 s
median; the --big run (10,000 lanes) at most 5 s wall and 200 MiB peak memory (its ratio to the
4-lane run is printed). With --before (another checkout's src/), the big run of that tree is measured
in turns with this one. Exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile

from _timing import console_script, measured, row, run_quiet, side_by_side, source_tree_env, trees, verdict

LANES = (4, 100, 1000)
BUDGET_4_LANES_S = 0.4
SUPERLINEAR = 1.5
BUDGET_BIG_S = 5.0
BUDGET_BIG_MIB = 200.0


def big_runs(lanes: int, repeat: int, trees: dict[str, str | None]) -> dict[str, dict[int, tuple[float, float, float]]]:
    """Median wall, peak memory and CPU of `lanes` and 4 lanes for each tree (None = this checkout), in turns."""
    samples: dict[str, dict[int, list[tuple[float, float, float]]]] = {name: {4: [], lanes: []} for name in trees}
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as cwd:
        for _ in range(repeat):
            for name, src in trees.items():
                for count in (4, lanes):
                    command = [sys.executable, "-m", "mimetic", "lab", "run", "oss", "--dry-run", "--json",
                               "--no-open", "--count", str(count), "--cwd", cwd]
                    samples[name][count].append(measured(command, cwd=cwd, env=source_tree_env(src)))
    return {name: {count: tuple(statistics.median(s[i] for s in runs) for i in range(3))
                   for count, runs in by_count.items()} for name, by_count in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--big", type=int, default=10000, help="lanes of the big run (0 skips it)")
    parser.add_argument("--big-repeat", type=int, default=3)
    parser.add_argument("--before", metavar="SRC", help="another checkout's src/ to measure the big run against")
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
    linear = linearity <= SUPERLINEAR
    if args.big:
        results = big_runs(args.big, args.big_repeat, trees(args.before))
        for name, by_count in results.items():
            (wall4, mem4, cpu4), (wall, mem, cpu) = by_count[4], by_count[args.big]
            row(f"{name}: {args.big} lanes dry-run (median of {args.big_repeat})", wall,
                f"CPU {cpu:.2f} s, peak {mem:.0f} MiB; {wall / wall4:.1f}x the 4-lane run ({wall4 * 1000:.0f} ms, "
                f"CPU {cpu4:.2f} s, {mem4:.0f} MiB)")
        if args.before:
            now, before = results["this tree"][args.big], results["before"][args.big]
            print(f"{args.big} lanes, this tree / before: wall {now[0] / before[0]:.2f}x, CPU {now[2] / before[2]:.2f}x, "
                  f"peak memory {now[1] / before[1]:.2f}x")
        wall, mem, _ = results["this tree"][args.big]
        # Once lanes cost a fraction of a millisecond, the 4->100 step is within the noise of the fixed
        # start-up: growth is judged from 1,000 lanes up to the big run as well.
        big_marginal = (wall - large) / (args.big - LANES[2])
        print(f"marginal cost per lane 1000->{args.big}: {big_marginal * 1000:.2f} ms "
              f"({big_marginal / marginal_high:.2f}x the 100->1000 one)")
        linear = linear or big_marginal / marginal_high <= SUPERLINEAR
        ok = verdict(f"dry-run {args.big} lanes wall <= {BUDGET_BIG_S:g} s", wall <= BUDGET_BIG_S) and ok
        ok = verdict(f"dry-run {args.big} lanes peak <= {BUDGET_BIG_MIB:g} MiB", mem <= BUDGET_BIG_MIB) and ok
    ok = verdict("dry-run linear growth", linear) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
