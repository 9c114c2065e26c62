"""Fan work out over a thread pool: one failing item never stops the others, and Ctrl-C is orderly.

The main thread waits in short slices so a KeyboardInterrupt reaches it promptly; it then sets the
shared `stop` event (running items are expected to notice it and wind down), cancels items that have
not started, and still returns a result for every item.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_CONCURRENCY = 8


@dataclass
class PoolOutcome(Generic[R]):
    results: list[R]  # in item order
    interrupted: bool


def default_concurrency(count: int, requested: int | None = None, *, cpu_bound: bool = False) -> int:
    """What was asked for, else one per item up to the cap — and, for work on this machine, up to its CPU count."""
    if requested:
        return max(1, requested)
    cap = min(DEFAULT_MAX_CONCURRENCY, os.cpu_count() or 1) if cpu_bound else DEFAULT_MAX_CONCURRENCY
    return max(1, min(count, cap))


def fan_out(
    items: Sequence[T],
    work: Callable[[T, threading.Event], R],
    *,
    concurrency: int,
    on_error: Callable[[T, BaseException], R],
    on_cancel: Callable[[T], R],
    stop: threading.Event | None = None,
) -> PoolOutcome[R]:
    stop = stop or threading.Event()
    results: dict[int, R] = {}
    interrupted = False

    def guarded(index: int, item: T) -> R:
        if stop.is_set():
            return on_cancel(item)
        try:
            return work(item, stop)
        except Exception as exc:  # noqa: BLE001 - a lane that raises becomes a failed lane, never a crash
            return on_error(item, exc)

    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="mimetic-lane")
    futures: dict[Future[R], int] = {pool.submit(guarded, i, item): i for i, item in enumerate(items)}
    try:
        # as_completed waits on every future once; a `wait(pending, FIRST_COMPLETED)` loop would hook and
        # unhook every pending future at each completion, quadratic in the lane count.
        for future in as_completed(futures):
            results[futures[future]] = future.result()
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        # Every future without a result, not just `pending`: the interrupt may land while `done` is being read.
        unsettled = [future for future, index in futures.items() if index not in results]
        for future in unsettled:
            if future.cancel():
                index = futures[future]
                results[index] = on_cancel(items[index])
        for future in unsettled:
            if not future.cancelled():
                results[futures[future]] = future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return PoolOutcome([results[i] for i in range(len(items))], interrupted)
