"""CLI start-up: `mimetic --help` against `python -c "import typer"`, medians side by side (budget 1.5x),
and the contract path against mimetic-cli 0.1.5 (issue 18, acceptance 6).

    python bench/cli_startup.py [--repeat 15] [--node /usr/bin/node --original /tmp/humanish/dist/cli.js]

`mimetic --help` is the installed console script beside this interpreter; `python -m mimetic --help`
is shown too. The contract path is `run --dry-run --json --sims 4` and `lab run oss --dry-run --json
--no-open`, each in a fresh temp project. Given `--node` and the original's built `dist/cli.js`, the
same commands of the original run in turns with ours and the ratio ours / original is printed (budget
1.0: no slower); otherwise the ratio to our own `--help` is printed. Exits 1 when a budget is missed.

Beside them runs the floor no Python CLI built on Typer and pydantic can go below: a bare interpreter
importing just those two (`typer`, the `typer._adapters` its option parsing loads, `pydantic.BaseModel`),
and its ratio to the original.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from _timing import console_script, row, run_quiet, side_by_side, verdict

BUDGET = 1.5
FLOOR = "python: import typer + pydantic only"
CONTRACT_PATH = {"run --dry-run --json --sims 4": ("run", "--dry-run", "--json", "--sims", "4"),
                 "lab run oss --dry-run --json --no-open": ("lab", "run", "oss", "--dry-run", "--json", "--no-open")}


def project(root: str, name: str, init: list[str], labs_from: Path | None = None) -> str:
    """A project initialised by the tool itself (and given the original's own labs, which 0.1.5 reads from
    mimetic/labs/ rather than bundling them)."""
    path = Path(root) / name
    path.mkdir()
    subprocess.run(init, cwd=path, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if labs_from is not None:
        for lab in labs_from.glob("*.yaml"):
            shutil.copy(lab, path / "mimetic" / "labs" / lab.name)
    return str(path)


def contract_path(repeat: int, node: str | None, original: str | None) -> bool:
    ok = True
    mimetic = console_script()
    with tempfile.TemporaryDirectory(prefix="mimetic-bench-") as root:
        ours = project(root, "ours", [mimetic, "init", "--yes", "--json"])
        theirs = project(root, "theirs", [node, original, "init", "--yes", "--json"],
                         Path(original).resolve().parents[1] / "mimetic" / "labs") if node and original else None
        for label, argv in CONTRACT_PATH.items():
            calls = {f"mimetic {label}": run_quiet(*argv, cwd=ours, executable=mimetic),
                     "mimetic --help": run_quiet("--help", executable=mimetic),
                     FLOOR: run_quiet("-c", "import typer, typer._adapters; from pydantic import BaseModel")}
            if theirs:
                calls[f"mimetic-cli 0.1.5 {label}"] = run_quiet(original, *argv, cwd=theirs, executable=node)
            medians = side_by_side(calls, repeat=repeat)
            for name, seconds in medians.items():
                row(f"{name} (median of {repeat})", seconds)
            if theirs:
                ratio = medians[f"mimetic {label}"] / medians[f"mimetic-cli 0.1.5 {label}"]
                print(f"{label}: ours / mimetic-cli 0.1.5 = {ratio:.2f}x (budget 1.0); the floor of typer + pydantic "
                      f"imports alone / mimetic-cli 0.1.5 = {medians[FLOOR] / medians[f'mimetic-cli 0.1.5 {label}']:.2f}x")
                ok = verdict(f"{label} no slower than 0.1.5", ratio <= 1.0) and ok
            else:
                print(f"{label}: ours / our --help = {medians[f'mimetic {label}'] / medians['mimetic --help']:.2f}x "
                      "(give --node and --original for the comparison with 0.1.5)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--node", help="Node 20 to run the original with (e.g. /usr/bin/node)")
    parser.add_argument("--original", help="mimetic-cli 0.1.5's built dist/cli.js")
    parser.add_argument("--contract-repeat", type=int, default=7)
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
    ok = verdict("cli start-up", ratio <= BUDGET)
    ok = contract_path(args.contract_repeat, args.node, args.original) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
