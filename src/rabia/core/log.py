"""The decided log of a replica: a window of decided values, and every decided batch id.

The replica keeps the decided values of slots ``start`` .. ``next_slot - 1`` only; the
driver compacts the prefix once a snapshot covers it. The ids of the batches decided
below ``next_slot`` outlive compaction: they keep a stale REQ of a decided batch from
being decided twice.
"""

from __future__ import annotations

from rabia.core.messages import Batch
from rabia.core.queue import DecidedIds
from rabia.core.snapshot import SlotCompacted


class DecidedLog:
    """Decided values of slots ``start`` .. ``next_slot - 1``; the ids decided below."""

    __slots__ = ("_ids", "_start", "_values", "next_slot")

    def __init__(self) -> None:
        self._values: list[Batch | None] = []
        self._start = 0
        self._ids = DecidedIds()
        self.next_slot = 0
        """The lowest slot not decided yet (read only: ``append`` and ``restart_at`` move
        it; a plain attribute, as every tick of the replica reads it)."""

    @property
    def start(self) -> int:
        """The lowest slot still in the log; slots below it live only in a snapshot."""
        return self._start

    @property
    def ids(self) -> DecidedIds:
        """Every batch id decided by a slot below ``next_slot`` (compacted slots too).

        Always the same object, updated in place: a pending queue may keep it."""
        return self._ids

    def append(self, value: Batch | None) -> None:
        """Record the decision of ``next_slot`` (None is NULL)."""
        self._values.append(value)
        self.next_slot += 1
        if value is not None:
            self._ids.add(value.id)

    def decided(self, slot: int) -> Batch | None:
        """The decided value of a slot in ``start`` .. ``next_slot - 1`` (None is NULL).

        Raises ``SlotCompacted`` below ``start`` and ``IndexError`` from ``next_slot`` on.
        """
        if slot < self._start:
            raise SlotCompacted(f"slot {slot} is compacted (log starts at {self._start})")
        if slot >= self.next_slot:
            raise IndexError(f"slot {slot} is not decided (next slot {self.next_slot})")
        return self._values[slot - self._start]

    def compact(self, below: int) -> None:
        """Forget the decided values of slots below ``below`` (at most ``next_slot``)."""
        if below > self.next_slot:
            raise ValueError(f"cannot compact below {below}: next slot is {self.next_slot}")
        if below > self._start:
            del self._values[: below - self._start]
            self._start = below

    def restart_at(self, slot: int, ids: DecidedIds) -> None:
        """Jump to ``slot`` (a snapshot's): no value kept, ``ids`` decided below it."""
        self._values.clear()
        self._start = slot
        self.next_slot = slot
        self._ids.replace(ids)
