"""A stream's consumer groups: their consumers and pending entries lists (PELs).

A pending entry (``Nack``) is shared by the group's PEL and its consumer's PEL, as in
Redis. A PEL is a dict by ID plus the IDs in order (``SortedIds``): lookups are O(1),
range scans start with a binary search, and IDs that arrive in increasing order (the
usual case: ``XREADGROUP ... >``) are appended.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator

_CHUNK = 512


class SortedIds:
    """Integers in increasing order, as a list of sorted chunks of at most 2 * 512."""

    __slots__ = ("_chunks", "_lasts")

    def __init__(self) -> None:
        self._chunks: list[list[int]] = []
        self._lasts: list[int] = []

    def add(self, ident: int) -> None:
        """Insert an integer not yet present."""
        chunks, lasts = self._chunks, self._lasts
        if not chunks:
            chunks.append([ident])
            lasts.append(ident)
            return
        at = bisect_left(lasts, ident)
        if at == len(lasts):
            at -= 1
            chunks[at].append(ident)
            lasts[at] = ident
        else:
            insort(chunks[at], ident)
        chunk = chunks[at]
        if len(chunk) > 2 * _CHUNK:
            chunks[at : at + 1] = [chunk[:_CHUNK], chunk[_CHUNK:]]
            lasts.insert(at, chunk[_CHUNK - 1])

    def discard(self, ident: int) -> None:
        """Remove an integer if present."""
        chunks, lasts = self._chunks, self._lasts
        at = bisect_left(lasts, ident)
        if at == len(lasts):
            return
        chunk = chunks[at]
        index = bisect_left(chunk, ident)
        if index < len(chunk) and chunk[index] == ident:
            del chunk[index]
            if not chunk:
                del chunks[at], lasts[at]
            elif index == len(chunk):
                lasts[at] = chunk[-1]

    def from_(self, start: int) -> Iterator[int]:
        """The integers >= ``start``, in order (do not change the set meanwhile)."""
        chunks = self._chunks
        at = bisect_left(self._lasts, start)
        if at < len(chunks):
            chunk = chunks[at]
            yield from chunk[bisect_left(chunk, start) :]
            for chunk in chunks[at + 1 :]:
                yield from chunk

    def first(self) -> int | None:
        return self._chunks[0][0] if self._chunks else None

    def last(self) -> int | None:
        return self._lasts[-1] if self._lasts else None


class Nack:
    """A delivered, unacknowledged entry: when it was last delivered (ms of log time),
    how many times, and to whom."""

    __slots__ = ("consumer", "count", "delivered")

    def __init__(self, consumer: Consumer, delivered: int, count: int = 1) -> None:
        self.consumer = consumer
        self.delivered = delivered
        self.count = count


class Pel:
    """A pending entries list: ID -> ``Nack``, with the IDs in order."""

    __slots__ = ("nacks", "order")

    def __init__(self) -> None:
        self.nacks: dict[int, Nack] = {}
        self.order = SortedIds()

    def __len__(self) -> int:
        return len(self.nacks)

    def get(self, ident: int) -> Nack | None:
        return self.nacks.get(ident)

    def add(self, ident: int, nack: Nack) -> None:
        """Add (or replace) the entry of ``ident``."""
        if ident not in self.nacks:
            self.order.add(ident)
        self.nacks[ident] = nack

    def pop(self, ident: int) -> Nack | None:
        """Remove the entry of ``ident`` and return it (None: not pending)."""
        nack = self.nacks.pop(ident, None)
        if nack is not None:
            self.order.discard(ident)
        return nack

    def from_(self, start: int) -> Iterator[int]:
        """The pending IDs >= ``start`` in order (do not change the PEL meanwhile)."""
        return self.order.from_(start)


class Consumer:
    """A consumer of a group: its name, when it was last seen (ms of log time), its PEL."""

    __slots__ = ("name", "pel", "seen")

    def __init__(self, name: bytes, seen: int) -> None:
        self.name = name
        self.seen = seen
        self.pel = Pel()


class Group:
    """A consumer group: the last ID delivered, the logical read counter (-1: unknown),
    the group's PEL and its consumers by name."""

    __slots__ = ("consumers", "entries_read", "last_id", "pel")

    def __init__(self, last_id: int, entries_read: int) -> None:
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = Pel()
        self.consumers: dict[bytes, Consumer] = {}

    def consumer(self, name: bytes, now_ms: int) -> tuple[Consumer, bool]:
        """The consumer ``name``, seen now; created if missing (True: created)."""
        found = self.consumers.get(name)
        if found is not None:
            found.seen = now_ms
            return found, False
        created = self.consumers[name] = Consumer(name, now_ms)
        return created, True

    def deliver(self, ident: int, consumer: Consumer, now_ms: int) -> None:
        """Record a delivery of ``ident`` to ``consumer`` (XREADGROUP): a new pending
        entry, or an existing one handed over with its count reset to 1."""
        nack = self.pel.get(ident)
        if nack is None:
            nack = Nack(consumer, now_ms)
            self.pel.add(ident, nack)
        else:
            nack.consumer.pel.pop(ident)
            nack.consumer, nack.delivered, nack.count = consumer, now_ms, 1
        consumer.pel.add(ident, nack)

    def ack(self, ident: int) -> bool:
        """Remove ``ident`` from the PELs (False: it was not pending)."""
        nack = self.pel.pop(ident)
        if nack is None:
            return False
        nack.consumer.pel.pop(ident)
        return True

    def claim(self, ident: int, nack: Nack, consumer: Consumer) -> None:
        """Hand the pending entry ``ident`` to ``consumer``."""
        if nack.consumer is not consumer:
            nack.consumer.pel.pop(ident)
            nack.consumer = consumer
            consumer.pel.add(ident, nack)

    def remove_consumer(self, name: bytes) -> int:
        """Delete a consumer and its pending entries; how many it had (0 if unknown)."""
        consumer = self.consumers.pop(name, None)
        if consumer is None:
            return 0
        for ident in consumer.pel.nacks:
            self.pel.pop(ident)
        return len(consumer.pel)
