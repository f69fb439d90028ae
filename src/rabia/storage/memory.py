"""Storage in memory: nothing survives the process (tests, embedding, ephemeral nodes)."""

from __future__ import annotations

from collections.abc import Sequence

from rabia.core.ready import Record
from rabia.storage.base import Durability, Storage


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
        from rabia.storage.sqlite import record_slot

        keep = [r for r in self._records if not _obsolete(record_slot(r)[1], below)]
        dropped = len(self._records) - len(keep)
        self._records = keep
        self._durable = len(keep)
        return dropped

    def crash(self) -> None:
        """Forget every record that was never synced, as a power loss would."""
        del self._records[self._durable :]
        self._kept = False

    def close(self) -> None:
        self.flush()
        self._kept = True


def _obsolete(slot: int | None, below: int) -> bool:
    return slot is not None and slot < below
