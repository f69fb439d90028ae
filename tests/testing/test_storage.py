"""The simulator's in-memory storage (``rabia.testing.storage``): what a crash keeps in
each sync mode."""

from __future__ import annotations

import pytest

from rabia.core.ready import DecidedRecord, IncarnationRecord, ReservedRecord
from rabia.testing import MemoryStorage


def test_always_syncs_every_append() -> None:
    s = MemoryStorage("always")
    s.append([IncarnationRecord(0)], sync=False)
    s.append([DecidedRecord(0, None)], sync=False)
    assert s.crash() == 0
    assert s.recovered() == [IncarnationRecord(0), DecidedRecord(0, None)]


def test_off_keeps_only_what_was_synced() -> None:
    s = MemoryStorage("off")
    s.append([IncarnationRecord(0)], sync=True)
    s.append([DecidedRecord(0, None), DecidedRecord(1, None)], sync=False)
    assert s.unsynced == 2
    assert s.crash() == 2
    assert s.recovered() == [IncarnationRecord(0)]
    s.append([ReservedRecord(64)], sync=True)  # a sync covers everything before it
    s.append([DecidedRecord(0, None)], sync=False)
    s.crash()
    assert s.reserved_mark() == 64
    assert s.recovered() == [IncarnationRecord(0), ReservedRecord(64)]


def test_batch_group_commit() -> None:
    s = MemoryStorage("batch", flush_interval_us=5_000)
    s.append([DecidedRecord(0, None)], sync=False)
    s.tick(4_000)
    assert s.unsynced == 1
    s.tick(5_000)
    assert s.unsynced == 0
    s.append([DecidedRecord(1, None)], sync=False)
    s.tick(9_000)
    assert s.crash() == 1
    assert s.recovered() == [DecidedRecord(0, None)]
    assert s.syncs == 1


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        MemoryStorage("sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MemoryStorage("batch", flush_interval_us=0)
