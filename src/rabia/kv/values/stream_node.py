"""One node of a stream: up to 100 entries packed in a few arrays and one byte buffer.

Redis keeps a stream as a radix tree of listpacks ("nodes"), each keyed by the ID of the
first entry it received (its *master* ID) and holding the field names of that entry
(its *master fields*): an entry with the same field names stores only its values. A
deleted entry stays in its node as a tombstone until the whole node goes. A new node
starts when the last one holds 100 entries (tombstones included) or when its listpack
would reach 4096 bytes. Approximate trimming (``MAXLEN ~``, ``MINID ~``) removes whole
nodes only, so the nodes must be where Redis has them for ``~`` to remove what Redis
removes: ``Node.size`` follows the byte size of Redis's listpack, element by element.

Layout per entry: its ID in two ``array('Q')`` (milliseconds, sequence), the end of its
packed fields in an ``array('I')``, a flag byte (deleted, same fields as the master), and
its values (or its field-value pairs) packed with msgpack in one ``bytearray``: about
21 bytes plus the values themselves.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence

import msgspec

from rabia.kv.resp import parse_int

MAX_ENTRIES = 100
"""Entries (tombstones included) per node: Redis's ``stream-node-max-entries``."""
MAX_BYTES = 4096
"""Redis's ``stream-node-max-bytes``: a node's listpack stays below it."""

DELETED = 1
SAME_FIELDS = 2
_MASK = (1 << 64) - 1

_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder(list[bytes]).decode


def _int_size(value: int) -> int:
    """Bytes of an integer element of a listpack (encoding and back-length)."""
    if 0 <= value <= 127:
        return 2
    if -4096 <= value <= 4095:
        return 3
    if -32768 <= value <= 32767:
        return 4
    if -8388608 <= value <= 8388607:
        return 5
    if -2147483648 <= value <= 2147483647:
        return 6
    return 10


def _str_size(text: bytes) -> int:
    """Bytes of a string element of a listpack (stored as an integer when it is one)."""
    size = len(text)
    if size <= 20 and (number := parse_int(text)) is not None:
        return _int_size(number)
    encoded = 1 + size if size < 64 else 2 + size if size < 4096 else 5 + size
    if encoded <= 127:
        return encoded + 1
    if encoded < 16383:
        return encoded + 2
    return encoded + (3 if encoded < 2097151 else 4 if encoded < 268435455 else 5)


def _delta(a: int, b: int) -> int:
    """``a - b`` as Redis stores it: unsigned 64-bit subtraction read as signed."""
    d = (a - b) & _MASK
    return d - (1 << 64) if d >= 1 << 63 else d


def _canonical(values: array[int]) -> bytes:
    """Little-endian bytes of an array, whatever the machine's byte order."""
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _array(typecode: str, data: bytes) -> array[int]:
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


class Node:
    """Up to ``MAX_ENTRIES`` entries in ID order, tombstones included."""

    __slots__ = ("blob", "ends", "fields", "flags", "live", "master", "ms", "seq", "size")

    def __init__(self, master: int, fields: list[bytes]) -> None:
        self.master = master
        """The ID of the first entry the node received (its key in Redis's tree)."""
        self.fields = fields
        """That entry's field names: entries with the same names store only values."""
        self.ms: array[int] = array("Q")
        self.seq: array[int] = array("Q")
        self.ends: array[int] = array("I")
        self.flags = bytearray()
        self.blob = bytearray()
        self.live = 0
        """Entries not deleted."""
        self.size = 13 + _int_size(len(fields)) + sum(map(_str_size, fields))
        """The byte size of Redis's listpack for this node."""

    def __len__(self) -> int:
        """Entries, tombstones included."""
        return len(self.flags)

    def full(self, added: int) -> bool:
        """Whether an entry of ``added`` bytes of fields and values starts a new node."""
        return self.size + added >= MAX_BYTES or len(self.flags) >= MAX_ENTRIES

    def append(self, ident: int, pairs: Sequence[bytes]) -> None:
        """Add an entry (``pairs``: field, value, ...) after the others."""
        ms, seq = ident >> 64, ident & _MASK
        fields = list(pairs[0::2])
        values = pairs[1::2]
        same = fields == self.fields
        count = len(fields)
        size = 2 + _int_size(_delta(ms, self.master >> 64))
        size += _int_size(_delta(seq, self.master & _MASK)) + sum(map(_str_size, values))
        if not same:
            size += _int_size(count) + sum(map(_str_size, fields))
        self.size += size + _int_size(count + 3 if same else 2 * count + 4)
        self.blob += _pack(values if same else pairs)
        self.ends.append(len(self.blob))
        self.flags.append(SAME_FIELDS if same else 0)
        self.ms.append(ms)
        self.seq.append(seq)
        self.live += 1

    def ident(self, index: int) -> int:
        """The ID of entry ``index``."""
        return self.ms[index] << 64 | self.seq[index]

    @property
    def last(self) -> int:
        """The ID of the last entry (a tombstone or not)."""
        return self.ms[-1] << 64 | self.seq[-1]

    def deleted(self, index: int) -> bool:
        return bool(self.flags[index] & DELETED)

    def delete(self, index: int) -> None:
        """Make entry ``index`` (not deleted) a tombstone."""
        self.flags[index] |= DELETED
        self.live -= 1

    def pairs(self, index: int) -> list[bytes]:
        """Field, value, ... of entry ``index``."""
        start = self.ends[index - 1] if index else 0
        items = _unpack(self.blob[start : self.ends[index]])
        if not self.flags[index] & SAME_FIELDS:
            return items
        return [item for pair in zip(self.fields, items, strict=True) for item in pair]

    def index_ge(self, ident: int) -> int:
        """The first index whose ID is >= ``ident`` (``len(self)`` if none)."""
        lo, hi = 0, len(self.flags)
        ms, seq = self.ms, self.seq
        while lo < hi:
            mid = (lo + hi) // 2
            if (ms[mid] << 64 | seq[mid]) < ident:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # -- snapshots -----------------------------------------------------------------------

    def state(self) -> tuple[int, int, list[bytes], bytes, bytes, bytes, bytes, bytes, int]:
        """Everything as plain values, for a snapshot (byte order fixed)."""
        return (
            self.master >> 64,
            self.master & _MASK,
            self.fields,
            _canonical(self.ms),
            _canonical(self.seq),
            _canonical(self.ends),
            bytes(self.flags),
            bytes(self.blob),
            self.size,
        )

    @classmethod
    def from_state(
        cls, state: tuple[int, int, list[bytes], bytes, bytes, bytes, bytes, bytes, int]
    ) -> Node:
        """The node ``state()`` described; ``ValueError`` if it is inconsistent."""
        master_ms, master_seq, fields, ms, seq, ends, flags, blob, size = state
        node = cls(master_ms << 64 | master_seq, list(fields))
        node.ms, node.seq, node.ends = _array("Q", ms), _array("Q", seq), _array("I", ends)
        node.flags, node.blob, node.size = bytearray(flags), bytearray(blob), size
        count = len(node.flags)
        if not count or not len(node.ms) == len(node.seq) == len(node.ends) == count:
            raise ValueError("malformed stream node")
        if node.ends[-1] != len(node.blob):
            raise ValueError("malformed stream node")
        node.live = sum(1 for flag in node.flags if not flag & DELETED)
        return node
