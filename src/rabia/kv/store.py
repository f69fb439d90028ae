"""The keyspace: values stamped with revisions, expiries by log time, snapshots.

Representation (chosen for memory, see ADR 0007): one dict ``key -> stamp + value``
where ``stamp`` is the 8-byte big-endian revision of the key's last modification (a
16-byte value then still fits CPython's 64-byte bytes allocation); a side dict
``key -> expiry`` only for keys with a TTL, and a min-heap of ``(expiry, key)`` that may
hold stale entries (checked against the dict when popped).

Only strings exist so far, and the string path is the compact one above. Other types
(hashes, lists, sets, ...) are meant to be values that are not ``bytes`` in the same dict:
one small object per key carrying its own revision, so existence, TTLs, deletion, KEYS and
SCAN stay type-blind while ``get`` (strings) answers WRONGTYPE for them; ADR 0012.
"""

from __future__ import annotations

import heapq
import struct
from bisect import bisect_left

import msgspec

_STAMP = struct.Struct(">Q")
_unstamp = _STAMP.unpack_from


class KeyspaceState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of the keyspace in a snapshot: everything sorted by key."""

    revision: int
    now: int
    deleted_revision: int
    entries: list[tuple[bytes, int, bytes]]
    """(key, revision, value)."""
    expires: list[tuple[bytes, int]]


class Keyspace:
    """String keys with revisions and TTLs; every read hides (and purges) expired keys."""

    __slots__ = (
        "_heap",
        "_sorted",
        "_stamp",
        "data",
        "deleted_revision",
        "events",
        "expires",
        "now",
    )

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        """key -> 8-byte revision stamp + value."""
        self.expires: dict[bytes, int] = {}
        """key -> absolute expiry in microseconds of log time, only for keys with a TTL."""
        self._heap: list[tuple[int, bytes]] = []
        self._sorted: list[bytes] | None = None
        self._stamp = _STAMP.pack(0)
        self.now = 0
        """The log time of the command being applied (microseconds)."""
        self.deleted_revision = 0
        """Revision of the last removal of any key: the revision reported for absent keys."""
        self.events: list[tuple[bytes, bytes]] = []
        """``(event, key)`` notifications of the command being applied (Redis event names)."""

    @property
    def revision(self) -> int:
        """The revision of the command being applied (the machine's apply counter)."""
        return int(_unstamp(self._stamp)[0])

    def begin(self, revision: int, log_time: int) -> None:
        """Start applying a command: its revision, and the log time (never decreases)."""
        self._stamp = _STAMP.pack(revision)
        if log_time > self.now:
            self.now = log_time

    def get(self, key: bytes) -> bytes | None:
        """The string value of a live key."""
        raw = self.data.get(key)
        if raw is None:
            return None
        if self.expires:
            at = self.expires.get(key)
            if at is not None and at <= self.now:
                self._remove(key)
                self.events.append((b"expired", key))
                return None
        return raw[8:]

    def key_revision(self, key: bytes) -> int:
        """The revision of a live key's last change, else that of the last removal."""
        if self.get(key) is None:
            return self.deleted_revision
        return int(_unstamp(self.data[key])[0])

    def put(self, key: bytes, value: bytes, keep_ttl: bool = False) -> None:
        """Set a key (its TTL is cleared unless ``keep_ttl``)."""
        data = self.data
        if key not in data:
            self._sorted = None
        data[key] = self._stamp + value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)

    def delete(self, key: bytes) -> bool:
        """Remove a key; False when it was not live."""
        if self.get(key) is None:
            return False
        self._remove(key)
        return True

    def _remove(self, key: bytes) -> None:
        del self.data[key]
        self.expires.pop(key, None)
        self._sorted = None
        self.deleted_revision = self.revision

    def expiry(self, key: bytes) -> int | None:
        """The expiry of a live key (None when it has no TTL)."""
        return self.expires.get(key)

    def set_expiry(self, key: bytes, at: int | None) -> None:
        """Give a live key a TTL (or none); counts as a modification of the key."""
        self.data[key] = self._stamp + self.data[key][8:]
        if at is None:
            self.expires.pop(key, None)
            return
        self.expires[key] = at
        heap = self._heap
        heapq.heappush(heap, (at, key))
        if len(heap) > 2 * len(self.expires) + 64:
            self._heap = [(t, k) for k, t in self.expires.items()]
            heapq.heapify(self._heap)

    def expire_at(self, key: bytes, at: int) -> None:
        """Give a live key the absolute expiry ``at``: deleted at once (``del`` event)
        when ``at`` is not in the future, else an ``expire`` event."""
        if at <= self.now:
            self.delete(key)
            self.events.append((b"del", key))
        else:
            self.set_expiry(key, at)
            self.events.append((b"expire", key))

    def purge(self, limit: int) -> None:
        """Remove up to ``limit`` expired keys, in (expiry, key) order: deterministic."""
        heap, expires, now = self._heap, self.expires, self.now
        while limit > 0 and heap and heap[0][0] <= now:
            at, key = heapq.heappop(heap)
            if expires.get(key) == at:
                self._remove(key)
                self.events.append((b"expired", key))
                limit -= 1

    def purge_all(self) -> None:
        """Remove every expired key."""
        self.purge(len(self.expires))

    def __len__(self) -> int:
        """Number of live keys."""
        self.purge_all()
        return len(self.data)

    def sorted_keys(self) -> list[bytes]:
        """All live keys in byte order (cached until a key is added or removed)."""
        self.purge_all()
        if self._sorted is None:
            self._sorted = sorted(self.data)
        return self._sorted

    def keys_from(self, start: bytes) -> tuple[list[bytes], int]:
        """The sorted live keys and the position of the first key >= ``start``."""
        keys = self.sorted_keys()
        return keys, bisect_left(keys, start)

    def flush(self) -> None:
        """Remove every key."""
        if self.data:
            self.deleted_revision = self.revision
        self.data = {}
        self.expires = {}
        self._heap = []
        self._sorted = None

    def state(self, revision: int) -> KeyspaceState:
        """The whole keyspace in canonical (sorted) form, for a snapshot."""
        data = self.data
        entries = [(k, int(_unstamp(data[k])[0]), data[k][8:]) for k in sorted(data)]
        expires = sorted(self.expires.items())
        return KeyspaceState(revision, self.now, self.deleted_revision, entries, expires)

    @classmethod
    def from_state(cls, state: KeyspaceState) -> Keyspace:
        """The keyspace a ``state`` describes (its revision is ``state.revision``)."""
        ks = cls()
        pack = _STAMP.pack
        ks.data = {k: pack(rev) + v for k, rev, v in state.entries}
        ks.expires = dict(state.expires)
        ks._heap = [(t, k) for k, t in state.expires]
        heapq.heapify(ks._heap)
        ks.now = state.now
        ks.deleted_revision = state.deleted_revision
        ks._stamp = pack(state.revision)
        return ks
