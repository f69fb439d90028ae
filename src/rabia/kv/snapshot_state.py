"""Wire forms of a KV machine's snapshot: the machine's and its keyspace's.

They live apart from the machine and the keyspace so that those modules hold plain
classes only (msgspec Structs are defined by class keywords, which a module compiled by
mypyc loses: ADR 0018).
"""

from __future__ import annotations

import msgspec

from rabia.kv.blocking import BlockingState
from rabia.kv.leases import LeaseState


class KeyspaceState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of the keyspace in a snapshot: everything sorted by key."""

    revision: int
    now: int
    deleted_revision: int
    entries: list[tuple[bytes, int, bytes]]
    """Strings: (key, revision, value)."""
    expires: list[tuple[bytes, int]]
    typed: list[tuple[bytes, int, bytes, bytes]] = []
    """Other types: (key, revision, type name, the value's ``encode()``). Snapshots of
    older versions have none."""
    far_expires: list[tuple[bytes, int, int]] = []
    """Expiries from ``FAR`` microseconds on (Redis allows times up to 2^63-1 ms, which
    msgpack's 64-bit integers cannot hold in microseconds): (key, expiry // 1000,
    expiry % 1000). Snapshots of older versions have none."""


class MachineState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of ``KVMachine.snapshot()``."""

    keyspace: KeyspaceState
    leases: LeaseState
    blocking: BlockingState = BlockingState()
    """Waiters and served pops awaiting their ACK (none in older snapshots)."""
    scripts: list[bytes] = []
    """The script cache's bodies, in SHA-1 order (none in older snapshots)."""
    acl: list[list[bytes]] | None = None
    """The ACL users, each its name and rules (None: as configured, in older snapshots
    too)."""
