"""Adaptive proxy batching: no added delay when idle, large batches when busy.

Commands queue here until the node's previous batch is decided. When the node has no
batch in flight, whatever is queued is proposed at once (one command when idle);
while one is in flight, arrivals accumulate, so the batch size follows the load with
no timer at all. ``max_batch`` (commands) and ``max_bytes`` (their encoded size, so
that a proposal always fits a frame) cap a proposal; a full batch does not wait. A
single command larger than ``max_bytes`` still goes, alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rabia.core.messages import BatchId, Command

COMMAND_OVERHEAD = 32
"""Bytes a command adds to a batch beyond its op (ids and framing, rounded up)."""


class Batcher:
    """Decides when queued commands become a proposal (see the module docstring)."""

    __slots__ = ("_bytes", "_in_flight", "_max_batch", "_max_bytes", "_max_in_flight", "_queue")

    def __init__(self, max_batch: int, max_in_flight: int = 1, max_bytes: int = 1 << 62) -> None:
        self._queue: deque[Command] = deque()
        self._in_flight: set[BatchId] = set()
        self._max_batch = max_batch
        self._max_bytes = max_bytes
        self._max_in_flight = max_in_flight
        self._bytes = 0
        """Encoded size (about) of the queued commands."""

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, command: Command) -> None:
        """Queue one command."""
        self._queue.append(command)
        self._bytes += len(command.op) + COMMAND_OVERHEAD

    def take(self) -> list[Command] | None:
        """The next batch to propose now, or None to keep waiting."""
        queue = self._queue
        if not queue:
            return None
        full = len(queue) >= self._max_batch or self._bytes >= self._max_bytes
        if len(self._in_flight) >= self._max_in_flight and not full:
            return None
        if len(self._in_flight) >= self._max_in_flight + 1:
            return None
        if len(queue) <= self._max_batch and self._bytes <= self._max_bytes:
            batch = list(queue)
            queue.clear()
            self._bytes = 0
            return batch
        batch = []
        size = 0
        budget = self._max_bytes
        while queue and len(batch) < self._max_batch:
            cost = len(queue[0].op) + COMMAND_OVERHEAD
            if batch and size + cost > budget:
                break
            batch.append(queue.popleft())
            size += cost
        self._bytes -= size
        return batch

    def proposed(self, batch_id: BatchId) -> None:
        """A batch taken from here was submitted with this id."""
        self._in_flight.add(batch_id)

    def decided(self, batch_id: BatchId) -> bool:
        """A batch was decided; True if it was one of ours in flight."""
        if batch_id in self._in_flight:
            self._in_flight.discard(batch_id)
            return True
        return False

    def forget(self, decided: Callable[[BatchId], bool]) -> bool:
        """Drop the batches in flight that ``decided`` says are decided (their slots were
        skipped by installing a snapshot); True if any was dropped."""
        done = {batch_id for batch_id in self._in_flight if decided(batch_id)}
        self._in_flight -= done
        return bool(done)

    @property
    def in_flight(self) -> int:
        """Own batches proposed and not yet decided."""
        return len(self._in_flight)
