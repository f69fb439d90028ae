"""The decided log window (``rabia.core.log``)."""

from __future__ import annotations

import pytest

from rabia.core.log import DecidedLog
from rabia.core.messages import Batch
from rabia.core.queue import DecidedIds
from rabia.core.snapshot import SlotCompacted


def _batch(seq: int) -> Batch:
    return Batch.of((0, 0, seq), seq, ())


def test_append_moves_next_slot_and_records_the_ids() -> None:
    log = DecidedLog()
    assert (log.start, log.next_slot) == (0, 0)
    log.append(_batch(0))
    log.append(None)
    log.append(_batch(1))
    assert (log.start, log.next_slot) == (0, 3)
    assert log.decided(0) == _batch(0) and log.decided(1) is None
    assert (0, 0, 0) in log.ids and (0, 0, 1) in log.ids and (0, 0, 2) not in log.ids


def test_decided_outside_the_window_raises() -> None:
    log = DecidedLog()
    for seq in range(4):
        log.append(_batch(seq))
    log.compact(2)
    with pytest.raises(SlotCompacted):
        log.decided(1)
    with pytest.raises(IndexError):
        log.decided(4)
    assert log.decided(2) == _batch(2)


def test_compact_keeps_the_ids_and_never_passes_next_slot() -> None:
    log = DecidedLog()
    for seq in range(3):
        log.append(_batch(seq))
    with pytest.raises(ValueError):
        log.compact(4)
    log.compact(3)
    log.compact(1)  # below the start already: nothing to do
    assert (log.start, log.next_slot) == (3, 3)
    assert all((0, 0, seq) in log.ids for seq in range(3))


def test_restart_at_replaces_the_window_and_the_ids_in_place() -> None:
    log = DecidedLog()
    ids = log.ids
    log.append(_batch(0))
    snapshot_ids = DecidedIds()
    snapshot_ids.add((1, 0, 0))
    log.restart_at(10, snapshot_ids)
    assert log.ids is ids  # a pending queue holding the set sees the change
    assert (log.start, log.next_slot) == (10, 10)
    assert (1, 0, 0) in ids and (0, 0, 0) not in ids
    log.append(None)
    assert log.next_slot == 11 and log.decided(10) is None
