"""Retries of model calls: exponential backoff with full jitter, inside the lane's deadline.

Only `ProviderError`s whose kind is retryable (rate limited, 5xx, timeout, connection) are retried; a
quota, key or model problem ends the lane at once. A server's `retry-after` is honoured when it is
given. No request is started with a timeout beyond the deadline, and no sleep outlasts it: when the
deadline comes first the caller gets `DeadlineReached` with the last error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from mimetic.actors.providers.base import ProviderError

T = TypeVar("T")
BASE_S = 1.0
CAP_S = 30.0
REQUEST_TIMEOUT_CAP_S = 120.0
MIN_REQUEST_S = 0.5  # a request with less time than this left is not started


class DeadlineReached(Exception):
    def __init__(self, last: ProviderError | None, attempts: int):
        super().__init__(last.reason if last else "deadline reached")
        self.last, self.attempts = last, attempts


@dataclass
class Attempts:
    count: int = 0  # requests made for the last call, retries included


def backoff_s(attempt: int, rng: random.Random = random.Random()) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rng.uniform(0, min(CAP_S, BASE_S * 2 ** attempt))


def call_with_retries(call: Callable[[float], T], deadline: float, attempts: Attempts | None = None) -> T:
    """`call(timeout_s)` until it succeeds, fails for good (the ProviderError is raised) or the deadline passes."""
    attempts = attempts if attempts is not None else Attempts()
    attempts.count, last = 0, None
    while True:
        remaining = deadline - time.monotonic()
        if remaining < MIN_REQUEST_S:
            raise DeadlineReached(last, attempts.count)
        attempts.count += 1
        try:
            return call(min(remaining, REQUEST_TIMEOUT_CAP_S))
        except ProviderError as error:
            if not error.retryable:
                raise
            last = error
        pause = last.retry_after_s if last.retry_after_s is not None else backoff_s(attempts.count - 1)
        if time.monotonic() + pause >= deadline - MIN_REQUEST_S:
            raise DeadlineReached(last, attempts.count)
        time.sleep(pause)
