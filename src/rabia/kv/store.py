"""The keyspace: values stamped with revisions, expiries by log time, snapshots.

Representation (chosen for memory, see ADR 0007): one dict ``key -> value`` where a
string is ``stamp + bytes`` (``stamp``: the 8-byte big-endian revision of the key's last
modification; a 16-byte value then still fits CPython's 64-byte bytes allocation) and
every other type is a ``TypedValue`` object carrying its own revision (ADR 0012). A side
dict ``key -> expiry`` holds only keys with a TTL, and a min-heap of ``(expiry, key)``
may hold stale entries (checked against the dict when popped).

Existence, TTLs, deletion, revisions, KEYS and SCAN are type-blind; ``get`` (strings)
and ``get_typed`` (the others) raise ``WrongType`` on a key of another type.
"""

from __future__ import annotations

import heapq
import struct
from bisect import bisect_left
from collections.abc import Mapping
from typing import TypeVar

from rabia.kv.snapshot_state import KeyspaceState
from rabia.kv.values.base import TypedValue, WrongType

_STAMP = struct.Struct(">Q")
_unstamp = _STAMP.unpack_from

V = TypeVar("V", bound=TypedValue)

Value = bytes | TypedValue
"""What the keyspace holds for a key: ``stamp + bytes`` (a string) or a typed value."""


FAR = 1 << 63
"""Expiries from here on go to ``KeyspaceState.far_expires``."""


class Keyspace:
    """Keys with revisions and TTLs; every read hides (and purges) expired keys."""

    __slots__ = (
        "_heap",
        "_revision",
        "_sorted",
        "_stamp",
        "blocked",
        "data",
        "deleted_revision",
        "events",
        "expires",
        "now",
        "published",
        "ready",
    )

    def __init__(self) -> None:
        self.data: dict[bytes, Value] = {}
        """key -> 8-byte revision stamp + string, or a typed value."""
        self.expires: dict[bytes, int] = {}
        """key -> absolute expiry in microseconds of log time, only for keys with a TTL."""
        self._heap: list[tuple[int, bytes]] = []
        self._sorted: list[bytes] | None = None
        self._stamp = _STAMP.pack(0)
        self._revision = 0
        self.now = 0
        """The log time of the command being applied (microseconds)."""
        self.deleted_revision = 0
        """Revision of the last removal of any key: the revision reported for absent keys."""
        self.events: list[tuple[bytes, bytes]] = []
        """``(event, key)`` notifications of the command being applied (Redis event names)."""
        self.published: list[tuple[int, bytes, bytes]] = []
        """``(events before it, channel, message)``: what the command being applied
        PUBLISHed, placed among its ``events`` (subscribers get both in that order)."""
        self.blocked: set[bytes] = set()
        """Keys some blocked client waits on (kept by the blocking commands, ADR 0014)."""
        self.ready: dict[bytes, None] = {}
        """Keys among ``blocked`` that the command being applied wrote, in the order they
        became ready (a dict: a set's order would differ between replicas): their waiters
        are served once it is done."""

    @property
    def revision(self) -> int:
        """The revision of the command being applied (the machine's apply counter)."""
        return self._revision

    def begin(self, revision: int, log_time: int) -> None:
        """Start applying a command: its revision, and the log time (never decreases)."""
        self._stamp = _STAMP.pack(revision)
        self._revision = revision
        if log_time > self.now:
            self.now = log_time

    # -- reading -------------------------------------------------------------------------

    def lookup(self, key: bytes) -> Value | None:
        """The value of a live key as stored (a stamped string, or a typed value)."""
        raw = self.data.get(key)
        if raw is None:
            return None
        if self.expires:
            at = self.expires.get(key)
            if at is not None and at <= self.now:
                self._remove(key)
                self.events.append((b"expired", key))
                return None
        return raw

    def get(self, key: bytes) -> bytes | None:
        """The string value of a live key; ``WrongType`` if it holds another type."""
        raw = self.data.get(key)
        if raw is None:
            return None
        if self.expires:
            at = self.expires.get(key)
            if at is not None and at <= self.now:
                self._remove(key)
                self.events.append((b"expired", key))
                return None
        if type(raw) is not bytes:
            raise WrongType
        return raw[8:]

    def get_typed(self, key: bytes, cls: type[V]) -> V | None:
        """The value of a live key of type ``cls`` (None: no such key); ``WrongType`` if
        the key holds another type."""
        raw = self.lookup(key)
        if raw is None:
            return None
        if not isinstance(raw, cls):
            raise WrongType
        return raw

    def exists(self, key: bytes) -> bool:
        """Whether ``key`` is live (any type)."""
        return self.lookup(key) is not None

    def type_name(self, key: bytes) -> bytes:
        """``TYPE``'s answer: ``none``, ``string``, or the typed value's name."""
        raw = self.lookup(key)
        if raw is None:
            return b"none"
        return b"string" if isinstance(raw, bytes) else raw.TYPE

    def key_revision(self, key: bytes) -> int:
        """The revision of a live key's last change, else that of the last removal."""
        raw = self.lookup(key)
        if raw is None:
            return self.deleted_revision
        if isinstance(raw, bytes):
            return int(_unstamp(raw)[0])
        return raw.revision

    # -- writing -------------------------------------------------------------------------

    def put(self, key: bytes, value: bytes, keep_ttl: bool = False) -> None:
        """Set a key to a string (its TTL is cleared unless ``keep_ttl``)."""
        data = self.data
        if key not in data:
            self._sorted = None
        data[key] = self._stamp + value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)

    def put_value(self, key: bytes, value: TypedValue, keep_ttl: bool = False) -> None:
        """Set a key to a typed value (new, or replacing whatever it held)."""
        data = self.data
        if key not in data:
            self._sorted = None
        value.revision = self._revision
        data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        if key in self.blocked:
            self.ready[key] = None

    def modified(self, key: bytes, value: TypedValue) -> None:
        """A typed value was changed in place: stamp its revision; a collection left
        empty is removed (with a ``del`` event, as Redis does); a key blocked clients
        wait on becomes ready."""
        value.revision = self._revision
        if not len(value) and value.removable_when_empty:
            self._remove(key)
            self.events.append((b"del", key))
        elif key in self.blocked:
            self.ready[key] = None

    def delete(self, key: bytes) -> bool:
        """Remove a key of any type; False when it was not live."""
        if self.lookup(key) is None:
            return False
        self._remove(key)
        return True

    def take(self, key: bytes) -> tuple[Value, int | None] | None:
        """Remove a live key and return its value and expiry (RENAME, MOVE-like
        commands); None when it is not live."""
        raw = self.lookup(key)
        if raw is None:
            return None
        at = self.expires.get(key)
        self._remove(key)
        return raw, at

    def place(self, key: bytes, raw: Value, at: int | None) -> None:
        """Store a value taken by ``take`` (or a copy) under ``key``, replacing what it
        held, with expiry ``at``; stamped with the current revision."""
        self.delete(key)
        if isinstance(raw, bytes):
            self.put(key, raw[8:])
        else:
            self.put_value(key, raw)
        if at is not None:
            self.set_expiry(key, at)

    def _remove(self, key: bytes) -> None:
        del self.data[key]
        self.expires.pop(key, None)
        self._sorted = None
        self.deleted_revision = self._revision

    # -- expiry --------------------------------------------------------------------------

    def expiry(self, key: bytes) -> int | None:
        """The expiry of a live key (None when it has no TTL)."""
        return self.expires.get(key)

    def set_expiry(self, key: bytes, at: int | None) -> None:
        """Give a live key a TTL (or none); counts as a modification of the key."""
        raw = self.data[key]
        if isinstance(raw, bytes):
            self.data[key] = self._stamp + raw[8:]
        else:
            raw.revision = self._revision
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

    # -- the whole keyspace --------------------------------------------------------------

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
            self.deleted_revision = self._revision
        self.data = {}
        self.expires = {}
        self._heap = []
        self._sorted = None

    def state(self, revision: int) -> KeyspaceState:
        """The whole keyspace in canonical (sorted) form, for a snapshot."""
        entries: list[tuple[bytes, int, bytes]] = []
        typed: list[tuple[bytes, int, bytes, bytes]] = []
        data = self.data
        for key in sorted(data):
            raw = data[key]
            if isinstance(raw, bytes):
                entries.append((key, int(_unstamp(raw)[0]), raw[8:]))
            else:
                typed.append((key, raw.revision, raw.TYPE, raw.encode()))
        expires = sorted((k, t) for k, t in self.expires.items() if t < FAR)
        far = sorted((k, t // 1000, t % 1000) for k, t in self.expires.items() if t >= FAR)
        return KeyspaceState(
            revision, self.now, self.deleted_revision, entries, expires, typed, far
        )

    @classmethod
    def from_state(cls, state: KeyspaceState, types: Mapping[bytes, type[TypedValue]]) -> Keyspace:
        """The keyspace a ``state`` describes (its revision is ``state.revision``);
        ``types`` maps type names to value classes. ``ValueError`` on an unknown type."""
        ks = cls()
        pack = _STAMP.pack
        data: dict[bytes, Value] = {k: pack(rev) + v for k, rev, v in state.entries}
        for key, rev, name, payload in state.typed:
            value_type = types.get(name)
            if value_type is None:
                raise ValueError(f"snapshot holds a value of unknown type {name!r}")
            value = value_type.decode(payload)
            value.revision = rev
            data[key] = value
        ks.data = data
        ks.expires = dict(state.expires)
        ks.expires.update((k, ms * 1000 + us) for k, ms, us in state.far_expires)
        ks._heap = [(t, k) for k, t in ks.expires.items()]
        heapq.heapify(ks._heap)
        ks.now = state.now
        ks.deleted_revision = state.deleted_revision
        ks._stamp = pack(state.revision)
        ks._revision = state.revision
        return ks
