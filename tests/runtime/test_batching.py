"""The batcher (``rabia.runtime.batching``): when a batch goes, and its cap in bytes."""

from __future__ import annotations

import pytest

from rabia.core.messages import Command
from rabia.runtime import NodeConfig
from rabia.runtime.batching import COMMAND_OVERHEAD, Batcher
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
