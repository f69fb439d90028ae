"""Leases of the KV machine: TTLs by log time that own keys (election keys, ADR 0008).

A lease has a TTL and a deadline in microseconds of log time; ``LEASE.KEEPALIVE`` moves
the deadline to ``now + ttl``. The machine expires every lease whose deadline is
``<= now`` before each command, in ``(deadline, id)`` order, and deletes the keys
attached to it. Only leases and their attached keys live here: ordinary keys carry no
lease field, so leases cost ordinary keys nothing.

Deadlines sit in a min-heap of ``(deadline, id)`` that may hold stale entries (a
keepalive pushes a new one; a popped entry counts only if it still matches the lease).
"""

from __future__ import annotations

import heapq

import msgspec


class Lease:
    """One live lease."""

    __slots__ = ("deadline", "keys", "ttl")

    def __init__(self, ttl: int, deadline: int, keys: dict[bytes, int] | None = None) -> None:
        self.ttl = ttl
        """Microseconds."""
        self.deadline = deadline
        """Absolute microseconds of log time: dead once ``deadline <= now``."""
        self.keys: dict[bytes, int] = {} if keys is None else keys
        """Attached key -> the token (election term) given when it was attached."""


class LeaseState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of the leases in a snapshot: sorted by id, keys sorted."""

    last_token: int
    leases: list[tuple[int, int, int, list[tuple[bytes, int]]]]
    """(id, ttl, deadline, [(key, term), ...])."""


class Leases:
    """Live leases, the key -> lease index of attached keys, and the token counter."""

    __slots__ = ("heap", "last_token", "owner", "table")

    def __init__(self) -> None:
        self.table: dict[int, Lease] = {}
        """Lease id -> lease, live leases only."""
        self.owner: dict[bytes, int] = {}
        """Attached key -> lease id."""
        self.last_token = 0
        """The largest lease id or term handed out: tokens are never reused."""
        self.heap: list[tuple[int, int]] = []
        """``(deadline, id)`` min-heap, with stale entries: ``heap[0][0] <= now`` is a
        cheap test of whether ``expire`` has anything to do."""

    def __len__(self) -> int:
        return len(self.table)

    def token(self, revision: int) -> int:
        """A fresh lease id or term: the revision, or one more than the last token when
        that is larger (several grants or wins inside one EXEC share a revision)."""
        self.last_token = max(self.last_token + 1, revision)
        return self.last_token

    def get(self, lease_id: int) -> Lease | None:
        """A live lease (expired ones are gone: ``expire`` runs before every command)."""
        return self.table.get(lease_id)

    def grant(self, lease_id: int, ttl: int, now: int) -> None:
        self.table[lease_id] = Lease(ttl, now + ttl)
        self._push(now + ttl, lease_id)

    def keepalive(self, lease_id: int, now: int) -> Lease | None:
        """Renew a live lease to ``now + ttl``; None when it does not exist."""
        lease = self.table.get(lease_id)
        if lease is not None and now + lease.ttl != lease.deadline:
            lease.deadline = now + lease.ttl
            self._push(lease.deadline, lease_id)
        return lease

    def _push(self, deadline: int, lease_id: int) -> None:
        heap = self.heap
        heapq.heappush(heap, (deadline, lease_id))
        if len(heap) > 2 * len(self.table) + 64:
            self.heap = [(le.deadline, i) for i, le in self.table.items()]
            heapq.heapify(self.heap)

    def remove(self, lease_id: int) -> list[bytes]:
        """Drop a lease; its attached keys, sorted, for the caller to delete."""
        lease = self.table.pop(lease_id)
        owner = self.owner
        for key in lease.keys:
            del owner[key]
        return sorted(lease.keys)

    def expire(self, now: int) -> list[list[bytes]]:
        """Drop every lease dead at ``now``, in ``(deadline, id)`` order; the sorted
        attached keys of each, for the caller to delete."""
        heap, table = self.heap, self.table
        out: list[list[bytes]] = []
        while heap and heap[0][0] <= now:
            at, lease_id = heapq.heappop(heap)
            lease = table.get(lease_id)
            if lease is not None and lease.deadline == at:
                out.append(self.remove(lease_id))
        return out

    def attach(self, key: bytes, lease_id: int, term: int) -> None:
        self.table[lease_id].keys[key] = term
        self.owner[key] = lease_id

    def detach(self, key: bytes) -> None:
        lease_id = self.owner.pop(key)
        del self.table[lease_id].keys[key]

    def clear(self) -> None:
        """Drop every lease (the token counter stays: ids are never reused)."""
        self.table = {}
        self.owner = {}
        self.heap = []

    def state(self) -> LeaseState:
        table = self.table
        return LeaseState(
            self.last_token,
            [
                (i, table[i].ttl, table[i].deadline, sorted(table[i].keys.items()))
                for i in sorted(table)
            ],
        )

    @classmethod
    def from_state(cls, state: LeaseState) -> Leases:
        leases = cls()
        leases.last_token = state.last_token
        for lease_id, ttl, deadline, keys in state.leases:
            leases.table[lease_id] = Lease(ttl, deadline, dict(keys))
            for key, _ in keys:
                leases.owner[key] = lease_id
        leases.heap = [(le.deadline, i) for i, le in leases.table.items()]
        heapq.heapify(leases.heap)
        return leases
