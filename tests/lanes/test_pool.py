"""fan_out: every item gets a result, even when Ctrl-C lands while finished items are being collected."""

from __future__ import annotations

from concurrent.futures import wait as real_wait

from mimetic.lanes import pool


class _InterruptedAfterFirst(set):
    """A `done` set whose iteration is cut short by Ctrl-C after its first future."""

    def __iter__(self):
        items = list(super().__iter__())
        yield items[0]
        raise KeyboardInterrupt


def test_an_interrupt_while_done_items_are_collected_still_returns_a_result_for_every_item(monkeypatch):
    def wait_until_all_done(pending, timeout, return_when):
        done, rest = real_wait(pending)  # every item finished: all of them are in `done`
        return _InterruptedAfterFirst(done), rest

    monkeypatch.setattr(pool, "wait", wait_until_all_done)
    outcome = pool.fan_out([1, 2, 3], lambda item, _stop: item * 10, concurrency=3,
                           on_error=lambda item, exc: -item, on_cancel=lambda item: 0)

    assert outcome.interrupted
    assert outcome.results == [10, 20, 30]
