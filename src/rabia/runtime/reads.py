"""Reads served through the read barrier (ADR 0017): linearizable, without the log.

A read takes a ticket from ``Replica.read()`` and waits here. When a Ready's
``reads_below`` passes its ticket, the node has applied that Ready's committed slots,
and the read runs against the state machine as it is then: its function is called and
its caller gets the result (or the exception it raised, as a ``Rejected``). A read not
released by its deadline ends with ``Timeout``; the node's stop ends every wait with
``Unavailable``. A read changes nothing, so a caller may retry it anywhere.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from rabia.errors import RabiaError, Rejected, Timeout
from rabia.runtime.pending import OnOutcome

Query = Callable[[], bytes]
"""Runs one read against the state machine, once the barrier released it."""


@dataclass(slots=True)
class _Read:
    ticket: int
    query: Query
    on_outcome: OnOutcome
    deadline: float
    done: bool = False

    def end(self, outcome: bytes | RabiaError) -> None:
        if not self.done:
            self.done = True
            self.on_outcome(outcome)


class ReadStage:
    """The reads waiting for their barrier at one node, in ticket order."""

    __slots__ = ("_by_deadline", "_waiting")

    def __init__(self) -> None:
        self._waiting: deque[_Read] = deque()
        """In ticket order (tickets are released in order)."""
        self._by_deadline: dict[float, deque[_Read]] = {}
        """Per timeout value, the reads in the order they came (so deadlines ascend)."""

    def __len__(self) -> int:
        return sum(1 for read in self._waiting if not read.done)

    def add(
        self, ticket: int, query: Query, on_outcome: OnOutcome, timeout: float, now: float
    ) -> None:
        """Wait for ``ticket``'s release, at most until ``now + timeout``."""
        read = _Read(ticket, query, on_outcome, now + timeout)
        self._waiting.append(read)
        queue = self._by_deadline.get(timeout)
        if queue is None:
            queue = self._by_deadline[timeout] = deque()
        queue.append(read)

    def release(self, below: int) -> None:
        """Run and answer every read whose ticket is below ``below`` (the Ready's
        committed slots are applied)."""
        waiting = self._waiting
        while waiting and waiting[0].ticket < below:
            read = waiting.popleft()
            if read.done:
                continue
            try:
                result = read.query()
            except Exception as exc:  # a query that raised: its caller's error, not the node's
                read.end(Rejected(f"the read raised {type(exc).__name__}: {exc}"))
            else:
                read.end(result)

    def expire(self, now: float) -> None:
        """End the reads past their deadline with ``Timeout``."""
        for wait, queue in self._by_deadline.items():
            while queue and (queue[0].done or queue[0].deadline <= now):
                read = queue.popleft()
                if not read.done:  # most were released: no error to build for them
                    read.end(Timeout(f"no read barrier within {wait}s; nothing was changed"))
        waiting = self._waiting
        while waiting and waiting[0].done:
            waiting.popleft()

    def fail_all(self, error: RabiaError) -> None:
        """End every wait with ``error`` (the node stops)."""
        waiting, self._waiting = self._waiting, deque()
        self._by_deadline = {}
        for read in waiting:
            read.end(error)
