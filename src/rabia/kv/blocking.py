"""Blocked clients as replicated state (ADR 0014): waiters, served pops awaiting their
ACK, and the markers the machine answers the blocking entries with.

A **waiter** is a blocking command that found nothing: its id (``node.session.counter``,
made by the connection that owns it), the command to re-run, the keys it waits on, its
deadline in log time and the reply it gets on timeout. Waiters are kept in registration
order: a key's waiters are served first-come first-served, as Redis does.

A **delivery** is a pop served to a waiter (or at once) that its node has not yet
acknowledged: the reply, the command that puts the element back (``RETURN``, a reset of
its node, or ``DELIVERY_TTL`` of log time without an ACK), and its deadline. Only once an
ACK is decided does the node hand the element to its client, so an element is never both
returned and delivered.
"""

from __future__ import annotations

import heapq
import struct
from collections.abc import Iterator
from typing import Protocol

import msgspec

DELIVERY_TTL = 60_000_000
"""Log time (µs) a served pop waits for its node's ACK before it is put back."""

BLOCKED = b"\x00B"
"""Marker: the call waits; followed by 8 bytes of timeout (µs, big-endian) and the
reply it gets when it times out."""
ACK_NEEDED = b"\x00A"
"""Marker: served by a pop; followed by the reply, which the node may hand out only once
its ACK is decided."""
SERVED = b"\x00S"
"""Marker: served by a command that removes nothing (BLMOVE, XREAD...); the reply follows."""
GONE = b"\x00G"
"""ACK's answer when the delivery was already put back."""
UNBLOCKED = b"\x00U"
"""UNBLOCK's answer when it removed the waiter: the client gets its timeout reply."""
NOTHING = b"\x00N"
"""UNBLOCK's or RETURN's answer when there was nothing to remove."""

_TIMEOUT = struct.Struct(">Q")


def blocked_marker(timeout_us: int, nil: bytes) -> bytes:
    """The answer to a call that now waits."""
    return BLOCKED + _TIMEOUT.pack(timeout_us) + nil


def read_blocked(marker: bytes) -> tuple[int, bytes]:
    """(timeout in µs, timeout reply) of a ``blocked_marker``."""
    return _TIMEOUT.unpack_from(marker, 2)[0], marker[2 + _TIMEOUT.size :]


class Waiter(msgspec.Struct, frozen=True, array_like=True):
    """A blocked call, as every replica keeps it."""

    wid: bytes
    args: list[bytes]
    """The command to re-run when one of ``keys`` is written."""
    keys: list[bytes]
    deadline: int
    """Log time after which it is no longer served (0: never)."""
    nil: bytes
    """Its reply on timeout."""


class Delivery(msgspec.Struct, frozen=True, array_like=True):
    """A served pop waiting for its node's ACK."""

    wid: bytes
    reply: bytes
    undo: list[bytes]
    """The command that puts the popped elements back where they were."""
    deadline: int


class BlockingState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of the blocking registry in a snapshot (registration order kept)."""

    waiters: list[Waiter] = []
    deliveries: list[Delivery] = []


class ServedSink(Protocol):
    """Where a node learns that one of its waiters was served (its RESP server)."""

    def served(self, wid: bytes, marker: bytes) -> None:
        """``wid`` was served while the machine applied a write: ``marker`` is
        ``ACK_NEEDED`` or ``SERVED`` followed by the reply."""


def owner_of(wid: bytes) -> tuple[bytes, bytes]:
    """(node, session) of a waiter id ``node.session.counter``."""
    node, _, rest = wid.partition(b".")
    return node, rest.partition(b".")[0]


class Blocking:
    """The waiters and deliveries of one machine; the same on every replica."""

    __slots__ = ("_delivery_heap", "_waiter_heap", "by_key", "deliveries", "sink", "waiters")

    def __init__(self) -> None:
        self.waiters: dict[bytes, Waiter] = {}
        """wid -> waiter, in registration order."""
        self.by_key: dict[bytes, list[bytes]] = {}
        """key -> the wids waiting on it, oldest first."""
        self.deliveries: dict[bytes, Delivery] = {}
        self._waiter_heap: list[tuple[int, bytes]] = []
        self._delivery_heap: list[tuple[int, bytes]] = []
        self.sink: ServedSink | None = None
        """Where served waiters are announced (not replicated state)."""

    def __bool__(self) -> bool:
        return bool(self.waiters or self.deliveries)

    # -- waiters -------------------------------------------------------------------------

    def register(self, waiter: Waiter) -> None:
        """A call blocks (a repeated id replaces nothing: the first registration stays)."""
        if waiter.wid in self.waiters:
            return
        self.waiters[waiter.wid] = waiter
        for key in waiter.keys:
            self.by_key.setdefault(key, []).append(waiter.wid)
        if waiter.deadline:
            heapq.heappush(self._waiter_heap, (waiter.deadline, waiter.wid))

    def drop(self, wid: bytes) -> Waiter | None:
        """Forget a waiter (served, unblocked, expired); the waiter, if there was one."""
        waiter = self.waiters.pop(wid, None)
        if waiter is None:
            return None
        for key in waiter.keys:
            wids = self.by_key.get(key)
            if wids is not None:
                wids.remove(wid)
                if not wids:
                    del self.by_key[key]
        return waiter

    def waiting_on(self, key: bytes) -> list[Waiter]:
        """The waiters of ``key``, oldest first (a copy: serving changes the registry)."""
        return [self.waiters[wid] for wid in self.by_key.get(key, ())]

    def keys(self) -> Iterator[bytes]:
        """Every key some waiter waits on."""
        return iter(self.by_key)

    # -- deliveries ----------------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> None:
        """A pop was served: keep it until its ACK (or put it back later)."""
        self.deliveries[delivery.wid] = delivery
        heapq.heappush(self._delivery_heap, (delivery.deadline, delivery.wid))

    def take(self, wid: bytes) -> Delivery | None:
        """Remove and return ``wid``'s delivery (ACK, RETURN)."""
        return self.deliveries.pop(wid, None)

    # -- time and resets -----------------------------------------------------------------

    def expire(self, now: int) -> list[Delivery]:
        """Drop waiters past their deadline; return the deliveries past theirs (removed:
        their elements go back)."""
        heap = self._waiter_heap
        while heap and heap[0][0] <= now:
            deadline, wid = heapq.heappop(heap)
            waiter = self.waiters.get(wid)
            if waiter is not None and waiter.deadline == deadline:
                self.drop(wid)
        overdue: list[Delivery] = []
        heap = self._delivery_heap
        while heap and heap[0][0] <= now:
            deadline, wid = heapq.heappop(heap)
            delivery = self.deliveries.get(wid)
            if delivery is not None and delivery.deadline == deadline:
                overdue.append(self.deliveries.pop(wid))
        return overdue

    def next_deadline(self) -> int | None:
        """The earliest deadline of a waiter or delivery (stale heap entries included)."""
        times = [h[0][0] for h in (self._waiter_heap, self._delivery_heap) if h]
        return min(times) if times else None

    def reset(self, node: bytes, session: bytes) -> list[Delivery]:
        """Node ``node`` restarted as ``session``: its earlier sessions' waiters go, and
        their deliveries are returned (removed and given back to put the elements back)."""

        def earlier(wid: bytes) -> bool:
            owner, owner_session = owner_of(wid)
            return owner == node and owner_session != session

        for wid in [w for w in self.waiters if earlier(w)]:
            self.drop(wid)
        return [self.deliveries.pop(w) for w in [w for w in self.deliveries if earlier(w)]]

    # -- snapshots -----------------------------------------------------------------------

    def state(self) -> BlockingState:
        """Every waiter and delivery, in their order."""
        return BlockingState(list(self.waiters.values()), list(self.deliveries.values()))

    @classmethod
    def from_state(cls, state: BlockingState) -> Blocking:
        """The registry a ``state`` describes."""
        blocking = cls()
        for waiter in state.waiters:
            blocking.register(waiter)
        for delivery in state.deliveries:
            blocking.deliver(delivery)
        return blocking
