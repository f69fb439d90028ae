"""``ReplQueue``: a replicated FIFO, and ``blocking_get`` on the caller's side."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated

FIRST_DELAY = 0.005
"""Seconds ``blocking_get`` waits after its first empty look (then doubling)."""
MAX_DELAY = 0.25
"""The longest wait between two looks of ``blocking_get`` without a wake-up signal."""


T = TypeVar("T")


class ReplQueue(Replicated, Generic[T], rollback=False):
    """A FIFO of values of any type msgspec encodes (as ``ReplDict``'s values; a None
    element cannot be told from "empty" by ``get_nowait``). ``get_nowait`` is a command
    (through the log, exactly once), so each element is handed to exactly one getter,
    once, whatever the retries. Commands never fail after changing the state, so
    rollback is off."""

    items: list[T | None] = []
    """The elements from ``head`` on wait; those before it were taken (emptied)."""
    head: int = 0
    taken: int = 0
    """How many elements were ever taken: ``taken + len()`` is the next position."""

    @command
    def put(self, item: T) -> int:
        """Append ``item``; its position (0 for the first element ever put, then 1...)."""
        self.items.append(item)
        return self.taken + len(self.items) - self.head - 1

    @command
    def get_nowait(self) -> T | None:
        """Take the oldest element, or None if the queue is empty (never waits)."""
        items, head = self.items, self.head
        if head == len(items):
            return None
        item = items[head]
        items[head] = None  # taken: drop the reference
        self.taken += 1
        head += 1
        if head * 2 >= len(items):  # drop the taken prefix: O(1) per element, amortized
            del items[:head]
            head = 0
        self.head = head
        return item

    @query
    def len(self) -> int:
        """The number of elements waiting."""
        return len(self.items) - self.head


class AppliesHook(Protocol):
    """What ``AppliedSignal`` subscribes to: ``rabia.Node`` is one."""

    def on_applied(self, callback: Callable[[int], None]) -> Callable[[], None]: ...


class AppliedSignal:
    """Wakes ``blocking_get`` each time the embedded node applies a slot, instead of
    back-off sleeps. One per node can be shared; ``close()`` unsubscribes it."""

    def __init__(self, node: AppliesHook) -> None:
        self._event = asyncio.Event()
        self._unsubscribe = node.on_applied(lambda _slot: self._event.set())

    def clear(self) -> None:
        self._event.clear()

    def close(self) -> None:
        """Stop listening to the node (idempotent)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, _nothing
        unsubscribe()

    async def wait(self, timeout: float) -> None:
        """Return when a slot was applied since ``clear()``, or after ``timeout`` s."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), max(timeout, 0.0))


def _nothing() -> None:
    pass


async def blocking_get(
    queue: ReplQueue[T],
    timeout: float,
    *,
    wake: AppliedSignal | None = None,
    max_delay: float = MAX_DELAY,
) -> T | None:
    """Take the oldest element of ``queue`` (a ``local`` or ``remote`` proxy), waiting
    up to ``timeout`` seconds for one; None if none came. The replicas never block: the
    caller looks with the ``len`` query (read barrier, not logged) and takes with the
    ``get_nowait`` command only when it saw an element. Between empty looks it waits
    with bounded exponential back-off (5 ms doubling to ``max_delay``), or, given
    ``wake`` (embedded use), until the node applies a slot. Several getters may race
    for one element: exactly one gets it, the others look again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = FIRST_DELAY
    while True:
        if wake is not None:
            wake.clear()  # before looking: an apply after the look sets it again
        if await queue.len() > 0:
            item = await queue.get_nowait()
            if item is not None:
                return item
            delay = FIRST_DELAY  # lost a race: the queue is busy, look again soon
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        if wake is not None:
            await wake.wait(min(remaining, max_delay))
        else:
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, max_delay)
