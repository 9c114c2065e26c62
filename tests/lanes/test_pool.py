"""fan_out: every item gets a result, even when Ctrl-C lands while finished items are being collected."""

from __future__ import annotations

from concurrent.futures import wait as real_wait

from mimetic.lanes import pool


def test_an_interrupt_while_done_items_are_collected_still_returns_a_result_for_every_item(monkeypatch):
    def all_done_then_interrupted(futures):
        done, _ = real_wait(futures)  # every item finished, but Ctrl-C lands after the first is collected
        yield next(iter(done))
        raise KeyboardInterrupt

    monkeypatch.setattr(pool, "as_completed", all_done_then_interrupted)
    outcome = pool.fan_out([1, 2, 3], lambda item, _stop: item * 10, concurrency=3,
                           on_error=lambda item, exc: -item, on_cancel=lambda item: 0)

    assert outcome.interrupted
    assert outcome.results == [10, 20, 30]
