"""Adaptive proxy batching: no added delay when idle, large batches when busy.

Commands queue here until the node's previous batch is decided. When the node has no
batch in flight, whatever is queued is proposed at once (one command when idle);
while one is in flight, arrivals accumulate, so the batch size follows the load.
``max_batch`` (commands) and ``max_bytes`` (their encoded size, so that a proposal
always fits a frame) cap a proposal; a full batch does not wait. A single command
larger than ``max_bytes`` still goes, alone.

**Cohort hold** (``hold`` seconds, 0: off). Closed-loop callers split into cohorts: the
callers of the batch in flight wait for their replies while the others queue, so the
next batch leaves with half of them and each caller waits two slots. When a batch of
several commands is decided, the next one is held until as many commands as were
decided (plus those already queued) are queued, i.e. until the decided batch's
callers are back, or for ``hold`` seconds at most: one batch per slot carries every
caller. A single caller (a batch of one) is never held, nor the next batch after a
large one (``MAX_HELD_COHORT``: a busy node gains nothing by waiting). After ``MISSES_TO_PAUSE``
holds in a row that ran out with less than half of the expected commands queued,
holding pauses for ``PAUSE_DECISIONS`` decisions (callers that do not come straight
back).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rabia.core.messages import BatchId, Command

COMMAND_OVERHEAD = 32
"""Bytes a command adds to a batch beyond its op (ids and framing, rounded up)."""
MISSES_TO_PAUSE = 4
"""Holds in a row that end by their deadline before holding pauses."""
PAUSE_DECISIONS = 64
"""Decisions of own batches without a hold after ``MISSES_TO_PAUSE`` misses."""
MAX_HELD_COHORT = 256
"""Decided batches larger than this start no hold: the node is busy, and a hold would
only leave it idle (measured: no gain at 400-1,000 commands per batch)."""


class Batcher:
    """Decides when queued commands become a proposal (see the module docstring)."""

    __slots__ = (
        *("_bytes", "_expect", "_hold", "_hold_until", "_in_flight", "_max_batch"),
        *("_max_bytes", "_max_in_flight", "_misses", "_paused", "_queue"),
    )

    def __init__(
        self,
        max_batch: int,
        max_in_flight: int = 1,
        max_bytes: int = 1 << 62,
        hold: float = 0.0,
    ) -> None:
        self._queue: deque[Command] = deque()
        self._in_flight: dict[BatchId, int] = {}
        """Own batches proposed and not decided yet, with their number of commands."""
        self._max_batch = max_batch
        self._max_bytes = max_bytes
        self._max_in_flight = max_in_flight
        self._bytes = 0
        """Encoded size (about) of the queued commands."""
        self._hold = hold
        self._expect = 0
        """Commands to wait for before the next batch goes (0: no hold)."""
        self._hold_until = 0.0
        self._misses = 0
        """Holds in a row that ran out with under half of the expected commands queued."""
        self._paused = 0
        """Decisions left without a hold."""

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, command: Command) -> None:
        """Queue one command."""
        self._queue.append(command)
        self._bytes += len(command.op) + COMMAND_OVERHEAD

    def take(self, now: float = 0.0) -> list[Command] | None:
        """The next batch to propose at time ``now`` (seconds), or None to keep waiting."""
        queue = self._queue
        if not queue:
            return None
        full = len(queue) >= self._max_batch or self._bytes >= self._max_bytes
        if len(self._in_flight) >= self._max_in_flight and not full:
            return None
        if len(self._in_flight) >= self._max_in_flight + 1:
            return None
        if self._expect:
            if len(queue) < self._expect and now < self._hold_until and not full:
                return None  # holding for the decided batch's callers
            self._misses = 0 if 2 * len(queue) >= self._expect else self._misses + 1
            if self._misses >= MISSES_TO_PAUSE:
                self._misses, self._paused = 0, PAUSE_DECISIONS
            self._expect = 0
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

    def proposed(self, batch_id: BatchId, size: int = 1) -> None:
        """A batch of ``size`` commands taken from here was submitted with this id."""
        self._in_flight[batch_id] = size

    def decided(self, batch_id: BatchId, now: float = 0.0) -> bool:
        """A batch was decided at ``now``; True if it was one of ours in flight (then the
        next batch may be held for its callers: see above)."""
        size = self._in_flight.pop(batch_id, None)
        if size is None:
            return False
        if self._paused:
            self._paused -= 1
        elif self._hold > 0 and 1 < size <= MAX_HELD_COHORT:
            self._expect = min(size + len(self._queue), self._max_batch)
            self._hold_until = now + self._hold
        return True

    @property
    def hold_until(self) -> float | None:
        """When the current hold ends (None: not holding)."""
        return self._hold_until if self._expect else None

    def forget(self, decided: Callable[[BatchId], bool]) -> bool:
        """Drop the batches in flight that ``decided`` says are decided (their slots were
        skipped by installing a snapshot); True if any was dropped."""
        done = [batch_id for batch_id in self._in_flight if decided(batch_id)]
        for batch_id in done:
            del self._in_flight[batch_id]
        return bool(done)

    @property
    def in_flight(self) -> int:
        """Own batches proposed and not yet decided."""
        return len(self._in_flight)
