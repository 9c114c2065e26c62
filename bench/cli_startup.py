"""CLI start-up: `mimetic --help` against `python -c "import typer"`, medians side by side (budget 1.5x).

    python bench/cli_startup.py [--repeat 15]

`mimetic --help` is the installed console script beside this interpreter; `python -m mimetic --help`
is shown too. Exits 1 when the console script is over budget.
"""

from __future__ import annotations

import argparse

from _timing import console_script, row, run_quiet, side_by_side, verdict

BUDGET = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    medians = side_by_side({
        "python -c 'import typer'": run_quiet("-c", "import typer"),
        "mimetic --help": run_quiet("--help", executable=console_script()),
        "python -m mimetic --help": run_quiet("-m", "mimetic", "--help"),
    }, repeat=args.repeat)
    baseline = medians["python -c 'import typer'"]
    for label, seconds in medians.items():
        row(f"{label} (median of {args.repeat})", seconds,
            "" if seconds is baseline else f"{seconds / baseline:.2f}x import typer")
    ratio = medians["mimetic --help"] / baseline
    print(f"ratio mimetic --help / import typer: {ratio:.2f}x (budget {BUDGET}x)")
    return 0 if verdict("cli start-up", ratio <= BUDGET) else 1


if __name__ == "__main__":
    raise SystemExit(main())
