"""In-memory storage with an explicit durable prefix, to simulate crashes that lose data.

The driver appends each Ready's records. What is *durable* is a prefix of them:

``always``
    Every append is synced before the Ready's messages go out (an fsync per Ready).
``batch``
    Appends are synced when the Ready asks for it (``ready.sync``) and otherwise by a
    group commit every ``flush_interval_us`` of virtual time (:meth:`MemoryStorage.tick`).
``off``
    Appends are synced only when the Ready asks for it.

:meth:`MemoryStorage.crash` truncates the records to the durable prefix, which is what
a restarted replica recovers from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from rabia.core.ready import DecidedRecord, Record, ReservedRecord, SentRecord, SnapshotRecord

SyncMode = Literal["always", "batch", "off"]
SYNC_MODES: tuple[SyncMode, ...] = ("always", "batch", "off")


class MemoryStorage:
    """An append-only record log whose unsynced tail a crash loses."""

    __slots__ = ("_last_flush", "durable", "flush_interval_us", "mode", "records", "syncs")

    def __init__(self, mode: SyncMode = "always", flush_interval_us: int = 10_000) -> None:
        if mode not in SYNC_MODES:
            raise ValueError(f"unknown sync mode {mode!r}")
        if flush_interval_us < 1:
            raise ValueError("flush_interval_us must be positive")
        self.mode: SyncMode = mode
        self.flush_interval_us = flush_interval_us
        self.records: list[Record] = []
        self.durable = 0
        """Length of the durable prefix of ``records``."""
        self.syncs = 0
        """Number of syncs performed (each would be one fsync)."""
        self._last_flush = 0

    def append(self, records: Iterable[Record], sync: bool) -> None:
        """Store one Ready's records; sync them when asked to or in ``always`` mode.

        A ``SnapshotRecord`` is always synced, and the records the snapshot before it
        supersedes are dropped (the node keeps one interval more, as ``rabia.runtime``
        does: ADR 0011).
        """
        start = len(self.records)
        before = [r.slot for r in self.records if isinstance(r, SnapshotRecord)]
        self.records.extend(records)
        snapshot = max(
            (r.slot for r in self.records[start:] if isinstance(r, SnapshotRecord)), default=None
        )
        if sync or self.mode == "always" or snapshot is not None:
            self.sync()
        if snapshot is not None:
            older = [slot for slot in before if slot < snapshot]
            self._compact(max(older) if older else snapshot)

    def _compact(self, slot: int) -> None:
        """Drop decided, sent and snapshot records below the durable snapshot at ``slot``."""

        def obsolete(r: Record) -> bool:
            if isinstance(r, DecidedRecord | SnapshotRecord):
                return r.slot < slot
            return isinstance(r, SentRecord) and r.message.slot < slot

        self.records = [r for r in self.records if not obsolete(r)]
        self.durable = len(self.records)

    def sync(self) -> None:
        """Make every stored record durable."""
        if self.durable != len(self.records):
            self.durable = len(self.records)
            self.syncs += 1

    def tick(self, now_us: int) -> None:
        """Group commit in ``batch`` mode: sync once every ``flush_interval_us``."""
        if self.mode == "batch" and now_us - self._last_flush >= self.flush_interval_us:
            self._last_flush = now_us
            self.sync()

    @property
    def unsynced(self) -> int:
        """Records a crash right now would lose."""
        return len(self.records) - self.durable

    def crash(self) -> int:
        """Lose the unsynced tail; returns how many records were lost."""
        lost = len(self.records) - self.durable
        del self.records[self.durable :]
        return lost

    def recovered(self, everything: bool = False) -> list[Record]:
        """The records a restarted replica reads: the durable ones, or after a process
        crash (``everything``: the operating system kept what it was handed) all of them."""
        return list(self.records) if everything else self.records[: self.durable]

    def reserved_mark(self) -> int:
        """Highest durable ``ReservedRecord`` slot (0 when none)."""
        mark = 0
        for record in self.records[: self.durable]:
            if isinstance(record, ReservedRecord) and record.slot > mark:
                mark = record.slot
        return mark
