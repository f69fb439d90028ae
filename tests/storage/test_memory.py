"""MemoryStorage: the storage contract, and what a simulated crash keeps."""

from __future__ import annotations

from pathlib import Path

from rabia.core.ready import DecidedRecord, IncarnationRecord
from rabia.storage.base import Durability, Storage
from rabia.storage.memory import MemoryStorage
from tests.storage.contract import StorageContract, slot_records, without_sent_below


class TestMemoryStorage(StorageContract):
    kind = "memory"

    def open(self, path: Path, durability: Durability = "always") -> Storage:
        return MemoryStorage(durability)


def test_crash_loses_the_unsynced_tail() -> None:
    store = MemoryStorage("off")
    store.append([IncarnationRecord(0)], sync=True)
    store.append([DecidedRecord(0, None)], sync=False)
    store.crash()
    assert store.load() == [IncarnationRecord(0)]
    assert not store.kept_everything()
    store.close()
    assert store.kept_everything()


def test_pruning_keeps_synced_records_synced_and_the_rest_not() -> None:
    store = MemoryStorage("off")
    synced = [r for slot in range(4) for r in slot_records(slot)]
    unsynced = [r for slot in range(4, 8) for r in slot_records(slot)]
    store.append(synced, sync=True)
    store.append(unsynced, sync=False)
    assert store.prune_sent_below(6) == 12
    store.crash()
    assert store.load() == without_sent_below(synced, 6)


def test_stats_count_no_bytes_on_disk() -> None:
    store = MemoryStorage()
    store.append(slot_records(0), sync=False)
    assert (store.stats().records, store.stats().bytes_on_disk, store.stats().syncs) == (3, 0, 1)
