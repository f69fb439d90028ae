"""The batcher (``rabia.runtime.batching``): when a batch goes, and its cap in bytes."""

from __future__ import annotations

import pytest

from rabia.core.messages import Command
from rabia.runtime import NodeConfig
from rabia.runtime.batching import (
    COMMAND_OVERHEAD,
    MAX_HELD_COHORT,
    MISSES_TO_PAUSE,
    PAUSE_DECISIONS,
    Batcher,
)
from tests.runtime.test_node import MEMBERS


def test_batcher_policy() -> None:
    batcher = Batcher(max_batch=3)
    for k in range(5):
        batcher.add(Command(1, k, b""))
    first = batcher.take()
    assert first is not None and [c.seq for c in first] == [0, 1, 2]
    batcher.proposed((0, 0, 0))
    assert batcher.take() is None  # one in flight and not full: wait
    batcher.add(Command(1, 5, b""))
    full = batcher.take()  # three queued = full: goes anyway
    assert full is not None and [c.seq for c in full] == [3, 4, 5]
    batcher.proposed((0, 0, 1))
    assert batcher.decided((0, 0, 0)) and not batcher.decided((9, 9, 9))


def test_batches_are_capped_in_bytes_so_that_a_proposal_fits_a_frame() -> None:
    budget = 3 * (100 + COMMAND_OVERHEAD)
    batcher = Batcher(max_batch=100, max_bytes=budget)
    for k in range(7):
        batcher.add(Command(1, k, b"x" * 100))
    batcher.add(Command(1, 7, b"y" * 5000))  # larger than the budget: goes alone
    batcher.add(Command(1, 8, b"z"))
    sizes = []
    while (batch := batcher.take()) is not None:
        sizes.append([c.seq for c in batch])
    assert sizes == [[0, 1, 2], [3, 4, 5], [6], [7], [8]]
    assert len(batcher) == 0
    with pytest.raises(ValueError, match="max_command_bytes"):
        NodeConfig(0, MEMBERS, max_frame=1 << 20, max_command_bytes=1 << 20)


def _queue(batcher: Batcher, seqs: range) -> None:
    for k in seqs:
        batcher.add(Command(1, k, b""))


def _seqs(batch: list[Command] | None) -> list[int]:
    assert batch is not None
    return [c.seq for c in batch]


def test_the_next_batch_is_held_until_the_decided_batchs_callers_are_back() -> None:
    batcher = Batcher(max_batch=100, hold=0.001)
    _queue(batcher, range(3))
    batcher.proposed((0, 0, 0), len(_seqs(batcher.take(0.0))))
    _queue(batcher, range(3, 5))  # the other cohort queues meanwhile
    assert batcher.decided((0, 0, 0), now=1.0)
    assert batcher.hold_until == 1.001
    assert batcher.take(1.0002) is None  # 2 queued, 3 + 2 expected
    _queue(batcher, range(5, 7))
    assert batcher.take(1.0003) is None
    _queue(batcher, range(7, 8))  # the 3 callers are back: all 5 go together
    assert _seqs(batcher.take(1.0004)) == [3, 4, 5, 6, 7]
    assert batcher.hold_until is None


def test_a_hold_ends_by_its_deadline_and_a_single_caller_is_never_held() -> None:
    batcher = Batcher(max_batch=100, hold=0.001)
    _queue(batcher, range(2))
    assert _seqs(batcher.take(0.0)) == [0, 1]
    batcher.proposed((0, 0, 0), 2)
    assert batcher.decided((0, 0, 0), now=5.0)
    _queue(batcher, range(2, 3))
    assert batcher.take(5.0005) is None
    assert _seqs(batcher.take(5.001)) == [2]  # the deadline: what is there goes
    batcher.proposed((0, 0, 1), 1)
    assert batcher.decided((0, 0, 1), now=6.0)
    assert batcher.hold_until is None  # a batch of one: no hold
    _queue(batcher, range(3, 4))
    assert _seqs(batcher.take(6.0)) == [3]


def test_a_full_batch_is_not_held_and_without_hold_nothing_waits() -> None:
    held = Batcher(max_batch=4, hold=0.001)
    held.proposed((0, 0, 0), 3)
    assert held.decided((0, 0, 0), now=0.0)
    _queue(held, range(4))
    assert _seqs(held.take(0.0)) == [0, 1, 2, 3]
    held.proposed((0, 0, 1), MAX_HELD_COHORT + 1)
    assert held.decided((0, 0, 1), now=0.0) and held.hold_until is None  # busy: no hold
    plain = Batcher(max_batch=100)
    plain.proposed((0, 0, 0), 50)
    assert plain.decided((0, 0, 0), now=0.0) and plain.hold_until is None
    _queue(plain, range(1))
    assert _seqs(plain.take(0.0)) == [0]


def _hold_once(batcher: Batcher, batch_id: tuple[int, int, int], back: int, now: float) -> None:
    """One own batch of 4 decided at ``now``; ``back`` of its callers return before the
    hold's deadline passes."""
    batcher.proposed(batch_id, 4)
    assert batcher.decided(batch_id, now=now)
    assert batcher.hold_until is not None
    _queue(batcher, range(back))
    assert batcher.take(now + 0.002) is not None


def test_holds_pause_after_misses_in_a_row() -> None:
    batcher = Batcher(max_batch=100, hold=0.001)
    for k in range(MISSES_TO_PAUSE - 1):
        _hold_once(batcher, (0, 0, k), back=1, now=float(k))  # under half back: misses
    _hold_once(batcher, (0, 1, 0), back=2, now=10.0)  # half back: not a miss
    for k in range(MISSES_TO_PAUSE - 1):
        _hold_once(batcher, (0, 2, k), back=1, now=20.0 + k)
    _hold_once(batcher, (0, 3, 0), back=1, now=30.0)  # the fourth in a row: a pause
    for k in range(PAUSE_DECISIONS):
        batcher.proposed((1, 0, k), 4)
        assert batcher.decided((1, 0, k), now=40.0)
        assert batcher.hold_until is None
    batcher.proposed((2, 0, 0), 4)
    assert batcher.decided((2, 0, 0), now=50.0)
    assert batcher.hold_until is not None  # holding again after the pause
