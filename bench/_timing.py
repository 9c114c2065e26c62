"""Shared timing helpers for the bench scripts: medians of repeated runs, printed as figures."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_quiet(*argv: str, cwd: str | None = None) -> Callable[[], None]:
    def call() -> None:
        subprocess.run([sys.executable, *argv], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    return call


def row(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<48} {seconds * 1000:9.1f} ms  {extra}")
