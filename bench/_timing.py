"""Shared helpers for the bench scripts: medians of interleaved samples, printed as aligned figures.

Samples of the things being compared are taken in turns (a, b, a, b, ...) rather than one block
after the other, so a burst of load on a shared machine hits both sides alike and the ratio holds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def side_by_side(calls: dict[str, Callable[[], object]], repeat: int = 7, warmup: int = 1) -> dict[str, float]:
    """Median wall time (seconds) of each call, sampled in turns after `warmup` untimed rounds."""
    for _ in range(warmup):
        for fn in calls.values():
            fn()
    samples: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(repeat):
        for label, fn in calls.items():
            started = time.perf_counter()
            fn()
            samples[label].append(time.perf_counter() - started)
    return {label: statistics.median(values) for label, values in samples.items()}


# Children may write bytecode (the warm-up round does), as an installed package has it: with
# PYTHONDONTWRITEBYTECODE set, an editable install would compile every module from source on every run.
CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run_quiet(*argv: str, cwd: str | None = None, executable: str | None = None) -> Callable[[], None]:
    """A call that runs `python argv...` (or `executable argv...`) with its output discarded."""
    command = [executable or sys.executable, *argv]

    def call() -> None:
        subprocess.run(command, cwd=cwd, env=CHILD_ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return call


def measured(command: list[str], *, cwd: str | None = None, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MiB) and CPU seconds (user + system) of one child process (its
    own rusage, from wait4). On a loaded machine the CPU time is the steadier figure."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def source_tree_env(src: str | None) -> dict[str, str] | None:
    """The environment that makes `python -m mimetic` import mimetic from another checkout's src/ (a
    'before' tree, e.g. `git worktree add /tmp/before <commit>`), for side-by-side comparisons."""
    if not src:
        return None
    return {**os.environ, "PYTHONPATH": str(Path(src).resolve())}


def trees(before: str | None) -> dict[str, str | None]:
    """The checkouts a bench compares: this one (None: the mimetic this interpreter imports), and `before`."""
    return {"this tree": None, **({"before": before} if before else {})}


def console_script(name: str = "mimetic") -> str:
    """The installed entry point beside this interpreter (not a pyenv/asdf shim, which adds its own start-up)."""
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise SystemExit(f"{path} not found: install the package (pip install -e .) into this interpreter")
    return str(path)


def row(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<64} {seconds * 1000:9.1f} ms  {extra}".rstrip())


def verdict(label: str, ok: bool) -> bool:
    """Print one budget line; the scripts exit 1 when any budget is missed."""
    print(f"{label}: {'within budget' if ok else 'OVER BUDGET'}")
    return ok
