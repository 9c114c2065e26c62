"""Dry-run cost at 4 / 100 / 1,000 lanes of `lab run oss --dry-run --json`; should grow linearly."""

import tempfile

from _timing import median_seconds, row, run_quiet

with tempfile.TemporaryDirectory() as cwd:
    figures = {}
    for lanes, repeat in ((4, 9), (100, 5), (1000, 3)):
        call = run_quiet("-m", "mimetic", "lab", "run", "oss", "--dry-run", "--json", "--no-open",
                         "--count", str(lanes), "--cwd", cwd)
        figures[lanes] = median_seconds(call, repeat=repeat)
        row(f"lab run oss --dry-run, {lanes} lanes (median)", figures[lanes])
    per_lane_100 = (figures[100] - figures[4]) / 96
    per_lane_1000 = (figures[1000] - figures[4]) / 996
    print(f"marginal cost per lane: {per_lane_100 * 1000:.2f} ms (4->100), {per_lane_1000 * 1000:.2f} ms (4->1000)")
    print(f"linearity ratio (1000-lane marginal / 100-lane marginal): {per_lane_1000 / per_lane_100:.2f} (1.0 = linear)")
    print(f"4-lane median {figures[4] * 1000:.0f} ms (budget 400 ms)")
