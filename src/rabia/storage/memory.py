"""Storage in memory: nothing survives the process (tests, embedding, ephemeral nodes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rabia.core.ready import Record, SentRecord
from rabia.storage.base import Durability, Storage, StorageStats
from rabia.storage.records import kind_and_slot, obsolete_below


class MemoryStorage(Storage):
    """Keeps records in a list; ``crash()`` drops what was not synced (for tests)."""

    def __init__(self, durability: Durability = "always") -> None:
        self.durability = durability
        self._records: list[Record] = []
        self._durable = 0
        self._kept = True
        self.syncs = 0

    def load(self) -> list[Record]:
        return list(self._records)

    def kept_everything(self) -> bool:
        """False after ``crash()`` until the next clean ``close()``."""
        return self._kept or self.durability == "always"

    def append(self, records: Sequence[Record], sync: bool) -> None:
        self._records.extend(records)
        if sync or self.durability == "always":
            self.flush()

    def flush(self) -> None:
        if self._durable != len(self._records):
            self._durable = len(self._records)
            self.syncs += 1

    def compact(self, below: int) -> int:
        return self._drop(lambda r: obsolete_below(kind_and_slot(r)[1], below))

    def prune_sent_below(self, slot: int) -> int:
        return self._drop(lambda r: isinstance(r, SentRecord) and r.message.slot < slot)

    def stats(self) -> StorageStats:
        """Records held, 0 bytes on disk, and the syncs ``flush`` counted."""
        return StorageStats(len(self._records), 0, self.syncs)

    def _drop(self, doomed: Callable[[Record], bool]) -> int:
        """Remove the ``doomed`` records; what stays of the synced prefix stays synced."""
        synced = [r for r in self._records[: self._durable] if not doomed(r)]
        unsynced = [r for r in self._records[self._durable :] if not doomed(r)]
        dropped = len(self._records) - len(synced) - len(unsynced)
        self._records = synced + unsynced
        self._durable = len(synced)
        return dropped

    def crash(self) -> None:
        """Forget every record that was never synced, as a power loss would."""
        del self._records[self._durable :]
        self._kept = False

    def close(self) -> None:
        self.flush()
        self._kept = True
