"""The pending queue of batches, ordered by the key stamped at their origin, and the
set of batch ids that some slot has already decided."""

from __future__ import annotations

import heapq

import msgspec

from rabia.core.messages import Batch, BatchId


class _DecidedIdsState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of ``DecidedIds``: per origin (id, incarnation, watermark, seqs above), sorted."""

    origins: list[tuple[int, int, int, list[int]]]


_encode_state = msgspec.msgpack.Encoder().encode
_decode_state = msgspec.msgpack.Decoder(_DecidedIdsState).decode


class DecidedIds:
    """Batch ids decided by some slot; bounded by a contiguous watermark per origin.

    Origins number their batches 0, 1, 2, ... per incarnation, so the set keeps, per
    (origin, incarnation), the highest seq below which every batch is decided, plus the
    few decided seqs above it.
    """

    __slots__ = ("_above", "_watermark")

    def __init__(self) -> None:
        self._watermark: dict[tuple[int, int], int] = {}
        self._above: dict[tuple[int, int], set[int]] = {}

    def add(self, batch_id: BatchId) -> None:
        """Mark a batch id as decided."""
        origin = (batch_id[0], batch_id[1])
        seq = batch_id[2]
        mark = self._watermark.get(origin, 0)
        if seq < mark:
            return
        above = self._above.get(origin)
        if seq == mark:
            mark += 1
            while above and mark in above:
                above.discard(mark)
                mark += 1
            self._watermark[origin] = mark
        else:
            if above is None:
                above = self._above[origin] = set()
            above.add(seq)

    def encode(self) -> bytes:
        """Exact, deterministic msgpack encoding (origins and seqs sorted)."""
        origins = sorted(set(self._watermark) | {o for o, a in self._above.items() if a})
        return _encode_state(
            _DecidedIdsState(
                [
                    (o[0], o[1], self._watermark.get(o, 0), sorted(self._above.get(o, ())))
                    for o in origins
                ]
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> DecidedIds:
        """The set ``encode`` described; raises ``msgspec.DecodeError`` / ``ValueError``."""
        ids = cls()
        for origin, incarnation, mark, above in _decode_state(data).origins:
            if mark < 0 or any(seq <= mark for seq in above):
                raise ValueError("malformed decided-ids state")
            if mark:
                ids._watermark[(origin, incarnation)] = mark
            if above:
                ids._above[(origin, incarnation)] = set(above)
        return ids

    def replace(self, other: DecidedIds) -> None:
        """Become a copy of ``other`` (in place: the pending queue keeps its reference)."""
        self._watermark = dict(other._watermark)
        self._above = {o: set(a) for o, a in other._above.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecidedIds):
            return NotImplemented
        return self.encode() == other.encode()

    def __contains__(self, batch_id: BatchId) -> bool:
        origin = (batch_id[0], batch_id[1])
        seq = batch_id[2]
        if seq < self._watermark.get(origin, 0):
            return True
        above = self._above.get(origin)
        return above is not None and seq in above


class PendingQueue:
    """Min-priority queue of undecided batches; every replica sorts them identically."""

    __slots__ = ("_decided", "_heap", "_live")

    def __init__(self, decided: DecidedIds) -> None:
        self._decided = decided
        self._heap: list[tuple[int, BatchId]] = []
        self._live: dict[BatchId, Batch] = {}

    def __len__(self) -> int:
        return len(self._live)

    def push(self, batch: Batch) -> bool:
        """Queue a batch unless it is decided or already queued; True if queued."""
        batch_id = batch.id
        if batch_id in self._live or batch_id in self._decided:
            return False
        self._live[batch_id] = batch
        heapq.heappush(self._heap, (batch.key, batch_id))
        return True

    def get(self, batch_id: BatchId) -> Batch | None:
        """The queued batch with this id, if any."""
        return self._live.get(batch_id)

    def discard(self, batch_id: BatchId) -> None:
        """Forget a batch (it was decided); its heap entry is skipped lazily."""
        self._live.pop(batch_id, None)

    def drop_decided(self) -> None:
        """Forget every queued batch that is now decided (after installing a snapshot)."""
        decided = self._decided
        for batch_id in [b for b in self._live if b in decided]:
            del self._live[batch_id]

    def has_pending(self) -> bool:
        """True when some undecided batch is queued."""
        return self._head() is not None

    def pop(self) -> Batch | None:
        """Remove and return the undecided batch with the smallest (key, id)."""
        head = self._head()
        if head is None:
            return None
        heapq.heappop(self._heap)
        return self._live.pop(head.id)

    def _head(self) -> Batch | None:
        heap = self._heap
        live = self._live
        decided = self._decided
        while heap:
            batch_id = heap[0][1]
            batch = live.get(batch_id)
            if batch is not None and batch.key == heap[0][0]:
                if batch_id not in decided:
                    return batch
                del live[batch_id]
            heapq.heappop(heap)
        return None
