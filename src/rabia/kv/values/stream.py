"""The stream type: entries in ID order, in nodes as Redis keeps them, and consumer groups.

An ID ``<ms>-<seq>`` is held as one integer ``ms << 64 | seq``, so IDs compare as
integers. ``StreamValue`` keeps Redis's bookkeeping (length, last generated ID, first
entry, largest deleted ID, entries ever added) because replies show it (XINFO) and the
consumer groups' lag depends on it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence

import msgspec

from rabia.kv.values import register
from rabia.kv.values.base import TypedValue
from rabia.kv.values.stream_group import Group, Nack
from rabia.kv.values.stream_node import DELETED, Node

MASK = (1 << 64) - 1
MAX_ID = (1 << 128) - 1


def format_id(ident: int) -> bytes:
    """``<ms>-<seq>``."""
    return b"%d-%d" % (ident >> 64, ident & MASK)


def next_id(last: int, now_ms: int) -> int:
    """The ID ``*`` makes at log time ``now_ms`` after the ID ``last``: ``now_ms-0``
    if the clock moved past ``last``, else ``last`` plus one (0-0 after the largest)."""
    if now_ms > last >> 64:
        return now_ms << 64
    return (last + 1) & MAX_ID


class StreamValue(TypedValue):
    """A Redis stream: nodes of entries (``stream_node.Node``) and consumer groups."""

    TYPE = b"stream"
    ENCODING = b"stream"
    __slots__ = (
        *("entries_added", "first_id", "groups", "last_id", "length", "masters"),
        *("max_deleted", "nodes"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []
        self.masters: list[int] = []
        """Each node's master ID, for binary search."""
        self.length = 0
        self.last_id = 0
        """The last ID added (or set by XSETID), even if that entry is gone."""
        self.first_id = 0
        """The first entry's ID as Redis records it (0 when empty)."""
        self.max_deleted = 0
        """The largest ID deleted by XDEL (or set by XSETID)."""
        self.entries_added = 0
        self.groups: dict[bytes, Group] = {}

    def __len__(self) -> int:
        return self.length

    @property
    def removable_when_empty(self) -> bool:
        return False

    # -- entries -------------------------------------------------------------------------

    def append(self, ident: int, pairs: Sequence[bytes]) -> None:
        """Add an entry; ``ident`` must be above ``last_id``."""
        nodes = self.nodes
        if not nodes or nodes[-1].full(sum(map(len, pairs))):
            nodes.append(Node(ident, list(pairs[0::2])))
            self.masters.append(ident)
        nodes[-1].append(ident, pairs)
        self.length += 1
        self.entries_added += 1
        self.last_id = ident
        if self.length == 1:
            self.first_id = ident

    def _start(self, ident: int) -> int:
        """The index of the node where entries >= ``ident`` may start."""
        return max(bisect_right(self.masters, ident) - 1, 0)

    def entries(self, start: int, end: int) -> Iterator[tuple[int, list[bytes]]]:
        """Live entries with ``start <= ID <= end``, in order."""
        nodes = self.nodes
        for at in range(self._start(start), len(nodes)):
            node = nodes[at]
            if node.master > end:
                return
            ms, seq, flags, pairs = node.ms, node.seq, node.flags, node.pairs
            for index in range(node.index_ge(start) if node.master < start else 0, len(flags)):
                ident = ms[index] << 64 | seq[index]
                if ident > end:
                    return
                if not flags[index] & DELETED:
                    yield ident, pairs(index)

    def entries_reversed(self, end: int, start: int) -> Iterator[tuple[int, list[bytes]]]:
        """Live entries with ``start <= ID <= end``, last first."""
        nodes = self.nodes
        for at in range(self._start(end), -1, -1) if nodes else ():
            node = nodes[at]
            for index in range(node.index_ge(end + 1) - 1, -1, -1):
                ident = node.ident(index)
                if ident < start:
                    return
                if not node.deleted(index):
                    yield ident, node.pairs(index)

    def get(self, ident: int) -> list[bytes] | None:
        """The fields of the live entry ``ident`` (None: no such entry)."""
        found = self._find(ident)
        return None if found is None else self.nodes[found[0]].pairs(found[1])

    def exists(self, ident: int) -> bool:
        """Whether the live entry ``ident`` exists."""
        return self._find(ident) is not None

    def _find(self, ident: int) -> tuple[int, int] | None:
        """(node position, index in the node) of the live entry ``ident``."""
        if not self.nodes:
            return None
        at = self._start(ident)
        node = self.nodes[at]
        index = node.index_ge(ident)
        if index < len(node) and node.ident(index) == ident and not node.deleted(index):
            return at, index
        return None

    def first_live(self) -> int:
        """The first live entry's ID (0 when empty)."""
        return next((ident for ident, _ in self.entries(0, MAX_ID)), 0)

    def last_live(self) -> int:
        """The last live entry's ID (0 when empty)."""
        return next((ident for ident, _ in self.entries_reversed(MAX_ID, 0)), 0)

    def delete(self, ident: int) -> bool:
        """Delete a live entry (XDEL): a tombstone, or its node when it was the last
        live one there. False when there is no such entry."""
        found = self._find(ident)
        if found is None:
            return False
        at, index = found
        node = self.nodes[at]
        if node.live == 1:
            del self.nodes[at], self.masters[at]
        else:
            node.delete(index)
        self.length -= 1
        return True

    def trim(self, maxlen: int | None, minid: int, approx: bool, limit: int) -> int:
        """Remove entries from the head, Redis's way: whole nodes while they fit (at most
        ``limit`` entries if not 0), then, unless ``approx``, entries of the next node.
        ``maxlen`` None trims by ``minid``. How many were removed."""
        nodes = self.nodes
        removed = 0
        while nodes:
            if maxlen is not None and self.length <= maxlen:
                break
            node = nodes[0]
            if limit and removed + node.live > limit:
                break
            if self.length - node.live >= maxlen if maxlen is not None else node.last < minid:
                del nodes[0], self.masters[0]
                self.length -= node.live
                removed += node.live
                continue
            if approx:
                break
            for index in range(len(node)):
                if self.length <= maxlen if maxlen is not None else node.ident(index) >= minid:
                    break
                if not node.deleted(index):
                    node.delete(index)
                    self.length -= 1
                    removed += 1
            break
        if not self.length:
            self.first_id = 0
        elif removed:
            self.first_id = self.first_live()
        return removed

    # -- consumer groups' read counters (Redis's lag bookkeeping) --------------------------

    def tombstones_from(self, start: int) -> bool:
        """Whether a deleted ID may lie at or after ``start`` among the entries."""
        deleted = self.max_deleted
        return bool(self.length and deleted and self.first_id <= deleted and start <= deleted)

    def estimate_read(self, ident: int) -> int:
        """How many entries were added up to ``ident``, when that is known (else -1)."""
        if not self.entries_added:
            return 0
        if not self.length and ident <= self.last_id:
            return self.entries_added
        if ident == self.last_id:
            return self.entries_added
        if ident > self.last_id:
            return -1
        if not self.max_deleted or self.max_deleted < self.first_id:
            if ident < self.first_id:
                return self.entries_added - self.length
            if ident == self.first_id:
                return self.entries_added - self.length + 1
        return -1

    def lag(self, group: Group) -> int | None:
        """Entries not yet delivered to ``group`` (None: unknown)."""
        if not self.entries_added:
            return 0
        if group.entries_read != -1 and not self.tombstones_from(group.last_id):
            return self.entries_added - group.entries_read
        read = self.estimate_read(group.last_id)
        return None if read == -1 else self.entries_added - read

    def advance(self, group: Group, ident: int) -> None:
        """``group`` delivered ``ident``: move its last ID and read counter."""
        if ident > group.last_id:
            if group.entries_read != -1 and not self.tombstones_from(ident):
                group.entries_read += 1
            elif self.entries_added:
                group.entries_read = self.estimate_read(ident)
            group.last_id = ident

    # -- snapshots -----------------------------------------------------------------------

    def encode(self) -> bytes:
        groups = []
        for name in sorted(self.groups):
            group = self.groups[name]
            consumers = [(c.name, c.seen) for _, c in sorted(group.consumers.items())]
            pending = [
                (i >> 64, i & MASK, n.consumer.name, n.delivered, n.count)
                for i, n in ((i, group.pel.nacks[i]) for i in group.pel.from_(0))
            ]
            last = group.last_id
            groups.append(
                _GroupState(name, last >> 64, last & MASK, group.entries_read, consumers, pending)
            )
        ids = [self.last_id, self.first_id, self.max_deleted]
        return _encode(
            _StreamState(
                self.length,
                [part for i in ids for part in (i >> 64, i & MASK)],
                self.entries_added,
                [node.state() for node in self.nodes],
                groups,
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> StreamValue:
        try:
            state = _decode(data)
            value = cls()
            value.nodes = [Node.from_state(node) for node in state.nodes]
            ids = state.ids
            last, first, deleted = (ids[i] << 64 | ids[i + 1] for i in range(0, len(ids), 2))
            for group_state in state.groups:
                _restore_group(value, group_state)
        except (msgspec.DecodeError, TypeError, KeyError) as exc:
            raise ValueError(f"malformed stream: {exc}") from None
        value.masters = [node.master for node in value.nodes]
        value.length, value.entries_added = state.length, state.entries_added
        value.last_id, value.first_id, value.max_deleted = last, first, deleted
        if value.length != sum(node.live for node in value.nodes):
            raise ValueError("malformed stream: length")
        return value


class _GroupState(msgspec.Struct, frozen=True, array_like=True):
    name: bytes
    last_ms: int
    last_seq: int
    entries_read: int
    consumers: list[tuple[bytes, int]]
    """(name, seen time), by name."""
    pending: list[tuple[int, int, bytes, int, int]]
    """(ID ms, ID seq, consumer, delivery time, delivery count), by ID."""


class _StreamState(msgspec.Struct, frozen=True, array_like=True):
    length: int
    ids: list[int]
    """last, first and largest deleted ID, each as ms, seq."""
    entries_added: int
    nodes: list[tuple[int, int, list[bytes], bytes, bytes, bytes, bytes, bytes, int]]
    groups: list[_GroupState]


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_StreamState).decode


def _restore_group(value: StreamValue, state: _GroupState) -> None:
    group = value.groups[state.name] = Group(state.last_ms << 64 | state.last_seq, -1)
    group.entries_read = state.entries_read
    for name, seen in state.consumers:
        group.consumer(name, seen)
    for ms, seq, owner, delivered, count in state.pending:
        consumer = group.consumers[owner]
        nack = Nack(consumer, delivered, count)
        group.pel.add(ms << 64 | seq, nack)
        consumer.pel.add(ms << 64 | seq, nack)


register(StreamValue)
