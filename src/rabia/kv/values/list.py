"""The list type: a sequence of byte strings packed in chunks, like Redis's quicklist.

A ``Chunk`` holds up to ``CHUNK_BYTES`` of elements (or a single larger one) in one
``bytes`` object, plus an ``array('i')`` of where each element starts. One Python object
per element would cost about 48 bytes for a 10-byte element where Redis spends 12; packed,
an element costs its bytes plus 4 (see docs/kv.md, "Lists", for the measurements).

Start positions are *logical*: element ``i`` of a chunk is at ``starts[i] - starts[0]`` in
its blob, so pushing at the head of a chunk inserts one start without shifting the others,
and popping at the head leaves the others as they are. They are rebased to 0 when they
drift far from it.

A list of one chunk (the common small list) stores the chunk itself; a longer one, the
Python list of its chunks.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Self

import msgspec

from rabia.kv.values import register
from rabia.kv.values.base import TypedValue

CHUNK_BYTES = 8192
"""Most element bytes in a chunk of several elements (Redis's default node size)."""
CHUNK_ITEMS = 1024
"""Most elements in a chunk."""
_REBASE = 1 << 30
"""Start positions are rebased to 0 when the first one drifts past this."""

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(list[bytes]).decode


def _starts(items: Sequence[bytes], first: int = 0) -> array[int]:
    positions, at = [], first
    for item in items:
        positions.append(at)
        at += len(item)
    return array("i", positions)


class Chunk:
    """Consecutive elements of a list, packed."""

    __slots__ = ("blob", "starts")

    def __init__(self, items: Sequence[bytes]) -> None:
        self.blob = b"".join(items)
        self.starts = _starts(items)

    def __len__(self) -> int:
        return len(self.starts)

    def fits(self, count: int, size: int) -> bool:
        """Whether ``count`` more elements of ``size`` bytes in all may join."""
        return len(self.starts) + count <= CHUNK_ITEMS and len(self.blob) + size <= CHUNK_BYTES

    def _bound(self, i: int) -> int:
        starts = self.starts
        return starts[i] - starts[0] if i < len(starts) else len(self.blob)

    def item(self, i: int) -> bytes:
        """Element ``i`` (0 <= i < len)."""
        return self.blob[self._bound(i) : self._bound(i + 1)]

    def items(self, lo: int = 0, hi: int | None = None) -> list[bytes]:
        """Elements ``lo`` to ``hi`` (excluded; None: to the end)."""
        starts, blob = self.starts, self.blob
        n = len(starts)
        if hi is None or hi > n:
            hi = n
        if lo >= hi:
            return []
        bounds = starts[lo : hi + 1].tolist()
        base = starts[0]
        if hi == n:
            bounds.append(base + len(blob))
        if base:
            return [blob[a - base : b - base] for a, b in pairwise(bounds)]
        return [blob[a:b] for a, b in pairwise(bounds)]

    def append(self, items: Sequence[bytes]) -> None:
        """Add ``items`` after the last element."""
        starts = self.starts
        first = starts[0] + len(self.blob) if starts else 0
        starts.extend(_starts(items, first))
        self.blob += b"".join(items)
        self._rebase()

    def prepend(self, items: Sequence[bytes]) -> None:
        """Add ``items`` (in this order) before the first element."""
        added = b"".join(items)
        starts = self.starts
        first = (starts[0] if starts else 0) - len(added)
        starts[0:0] = _starts(items, first)
        self.blob = added + self.blob
        self._rebase()

    def append_one(self, item: bytes) -> None:
        """``append([item])`` without the general case's lists."""
        starts = self.starts
        starts.append(starts[0] + len(self.blob) if starts else 0)
        self.blob += item
        self._rebase()  # pops at the head move the first start up

    def prepend_one(self, item: bytes) -> None:
        """``prepend([item])`` without the general case's lists."""
        starts = self.starts
        starts.insert(0, (starts[0] if starts else 0) - len(item))
        self.blob = item + self.blob
        self._rebase()

    def take_first(self) -> bytes:
        """``take_left(1)[0]`` of a chunk of several elements."""
        starts, blob = self.starts, self.blob
        end = starts[1] - starts[0]
        self.blob = blob[end:]
        del starts[0]
        return blob[:end]

    def take_last(self) -> bytes:
        """``take_right(1)[0]`` of a chunk of several elements."""
        starts, blob = self.starts, self.blob
        begin = starts[-1] - starts[0]
        self.blob = blob[:begin]
        del starts[-1]
        return blob[begin:]

    def replace(self, i: int, value: bytes) -> None:
        """Make element ``i`` (0 <= i < len) ``value``."""
        starts, blob = self.starts, self.blob
        a, b = self._bound(i), self._bound(i + 1)
        self.blob = blob[:a] + value + blob[b:]
        if delta := len(value) - (b - a):
            starts[i + 1 :] = array("i", [s + delta for s in starts[i + 1 :]])

    def take_left(self, count: int) -> list[bytes]:
        """Remove and return the first ``count`` elements (in list order)."""
        taken = self.items(0, count)
        cut = self._bound(count)
        self.blob = self.blob[cut:]
        del self.starts[:count]
        return taken

    def take_right(self, count: int) -> list[bytes]:
        """Remove and return the last ``count`` elements (in list order)."""
        n = len(self.starts)
        taken = self.items(n - count)
        self.blob = self.blob[: self._bound(n - count)]
        del self.starts[n - count :]
        return taken

    def _rebase(self) -> None:
        starts = self.starts
        if starts and not -_REBASE < starts[0] < _REBASE:
            base = starts[0]
            self.starts = array("i", [s - base for s in starts])


def pack(items: Sequence[bytes]) -> list[Chunk]:
    """``items`` in chunks, each filled as far as the limits allow."""
    chunks: list[Chunk] = []
    lo, count, size = 0, 0, 0
    for i, item in enumerate(items):
        if count and (count == CHUNK_ITEMS or size + len(item) > CHUNK_BYTES):
            chunks.append(Chunk(items[lo:i]))
            lo, count, size = i, 0, 0
        count += 1
        size += len(item)
    if count:
        chunks.append(Chunk(items[lo:]))
    return chunks


def _fitting(chunk: Chunk, items: Sequence[bytes], from_end: bool) -> int:
    """How many of ``items`` (taken from the end or the start) fit in ``chunk``."""
    count, size = 0, 0
    for item in reversed(items) if from_end else items:
        if not chunk.fits(count + 1, size + len(item)):
            break
        count += 1
        size += len(item)
    return count


@register
class ListValue(TypedValue):
    """A Redis list: byte strings in order, pushed and popped at both ends."""

    __slots__ = ("_chunks", "_size")

    TYPE = b"list"
    ENCODING = b"quicklist"
    """What Redis 7.0 answers for every list (7.2 would say ``listpack`` for small ones)."""

    def __init__(self, items: Sequence[bytes] = ()) -> None:
        super().__init__()
        self._chunks: Chunk | list[Chunk] = []
        self._size = 0
        self._store(pack(items))
        self._size = len(items)

    def _all(self) -> list[Chunk]:
        chunks = self._chunks
        return chunks if isinstance(chunks, list) else [chunks]

    def _store(self, chunks: list[Chunk]) -> None:
        self._chunks = chunks[0] if len(chunks) == 1 else chunks

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._all():
            yield from chunk.items()

    def sort_elements(self) -> list[bytes]:
        """The elements in list order (SORT)."""
        return list(self)

    @classmethod
    def from_elements(cls, items: list[bytes]) -> Self:
        """A list of ``items`` (SORT ... STORE)."""
        return cls(items)

    # -- both ends -------------------------------------------------------------------

    def _end(self, left: bool) -> Chunk | None:
        chunks = self._chunks
        if isinstance(chunks, Chunk):
            return chunks
        return (chunks[0] if left else chunks[-1]) if chunks else None

    def push_left(self, items: Sequence[bytes]) -> None:
        """Push each of ``items`` in turn at the head (LPUSH: the last ends up first)."""
        if len(items) == 1:  # the common case, without the general one's lists
            head = self._end(True)
            if head is not None and head.fits(1, len(items[0])):
                head.prepend_one(items[0])
                self._size += 1
                return
        block = items[::-1]
        chunks = self._all()
        if chunks and (fit := _fitting(chunks[0], block, from_end=True)):
            chunks[0].prepend(block[len(block) - fit :])
            block = block[: len(block) - fit]
        if block:
            chunks[0:0] = pack(block)
            self._store(chunks)
        self._size += len(items)

    def push_right(self, items: Sequence[bytes]) -> None:
        """Push ``items`` in turn at the tail."""
        if len(items) == 1:
            tail = self._end(False)
            if tail is not None and tail.fits(1, len(items[0])):
                tail.append_one(items[0])
                self._size += 1
                return
        chunks = self._all()
        rest = items
        if chunks and (fit := _fitting(chunks[-1], items, from_end=False)):
            chunks[-1].append(items[:fit])
            rest = items[fit:]
        if rest:
            chunks.extend(pack(rest))
            self._store(chunks)
        self._size += len(items)

    def pop_left(self, count: int) -> list[bytes]:
        """Remove up to ``count`` elements from the head; in list order."""
        if count == 1 and (head := self._end(True)) is not None and len(head) > 1:
            self._size -= 1
            return [head.take_first()]
        chunks = self._all()
        taken: list[bytes] = []
        while count > 0 and chunks:
            head = chunks[0]
            if count >= len(head):
                taken += head.items()
                count -= len(head)
                del chunks[0]
            else:
                taken += head.take_left(count)
                count = 0
        self._store(chunks)
        self._size -= len(taken)
        return taken

    def pop_right(self, count: int) -> list[bytes]:
        """Remove up to ``count`` elements from the tail; the last element first."""
        if count == 1 and (tail := self._end(False)) is not None and len(tail) > 1:
            self._size -= 1
            return [tail.take_last()]
        chunks = self._all()
        taken: list[bytes] = []
        while count > 0 and chunks:
            tail = chunks[-1]
            if count >= len(tail):
                taken += reversed(tail.items())
                count -= len(tail)
                del chunks[-1]
            else:
                taken += reversed(tail.take_right(count))
                count = 0
        self._store(chunks)
        self._size -= len(taken)
        return taken

    # -- by position -----------------------------------------------------------------

    def _locate(self, index: int) -> tuple[list[Chunk], int, int]:
        """The chunks, and which chunk holds element ``index`` (0 <= index < len) at
        which offset; walks from the nearer end."""
        chunks = self._all()
        if index < self._size // 2:
            for position, chunk in enumerate(chunks):
                if index < len(chunk):
                    return chunks, position, index
                index -= len(chunk)
        else:
            index -= self._size
            for position in range(len(chunks) - 1, -1, -1):
                index += len(chunks[position])
                if index >= 0:
                    return chunks, position, index
        raise IndexError(index)

    def _normalize(self, index: int) -> int | None:
        if index < 0:
            index += self._size
        return index if 0 <= index < self._size else None

    def get(self, index: int) -> bytes | None:
        """Element ``index`` (negative: from the end), None when out of range."""
        at = self._normalize(index)
        if at is None:
            return None
        chunks, position, offset = self._locate(at)
        return chunks[position].item(offset)

    def set(self, index: int, value: bytes) -> bool:
        """Replace element ``index`` (negative: from the end); False when out of range."""
        at = self._normalize(index)
        if at is None:
            return False
        chunks, position, offset = self._locate(at)
        chunk = chunks[position]
        chunk.replace(offset, value)
        if len(chunk) > 1 and len(chunk.blob) > CHUNK_BYTES:
            chunks[position : position + 1] = pack(chunk.items())
            self._store(chunks)
        return True

    def slice(self, lo: int, hi: int) -> list[bytes]:
        """Elements ``lo`` to ``hi`` excluded (0 <= lo <= hi <= len)."""
        if lo >= hi:
            return []
        chunks = self._chunks
        if not isinstance(chunks, list):
            return chunks.items(lo, hi)
        chunks, position, offset = self._locate(lo)
        out: list[bytes] = []
        want = hi - lo
        for chunk in chunks[position:]:
            out += chunk.items(offset, min(len(chunk), offset + want - len(out)))
            offset = 0
            if len(out) == want:
                break
        return out

    def trim(self, lo: int, hi: int) -> None:
        """Keep only elements ``lo`` to ``hi`` excluded (0 <= lo <= hi <= len)."""
        chunks = self._all()
        drop_left, drop_right = lo, self._size - hi
        while chunks and drop_left >= len(chunks[0]):
            drop_left -= len(chunks.pop(0))
        if drop_left:
            chunks[0].take_left(drop_left)
        while chunks and drop_right >= len(chunks[-1]):
            drop_right -= len(chunks.pop())
        if drop_right:
            chunks[-1].take_right(drop_right)
        self._store(chunks)
        self._size = hi - lo

    # -- by value ----------------------------------------------------------------------

    def insert(self, pivot: bytes, value: bytes, after: bool) -> bool:
        """Insert ``value`` before (or after) the first ``pivot``; False if none."""
        chunks = self._all()
        for position, chunk in enumerate(chunks):
            if pivot not in chunk.blob:  # no element can equal it
                continue
            items = chunk.items()
            if pivot in items:
                items.insert(items.index(pivot) + after, value)
                chunks[position : position + 1] = pack(items)
                self._store(chunks)
                self._size += 1
                return True
        return False

    def remove(self, value: bytes, count: int) -> int:
        """Remove the first ``count`` elements equal to ``value`` (from the tail when
        ``count`` < 0; all when 0); how many were removed."""
        chunks = self._all()
        budget = abs(count) or self._size
        removed = 0
        kept_chunks: list[Chunk] = []
        for chunk in chunks if count >= 0 else reversed(chunks):
            if removed == budget or value not in chunk.blob:
                kept_chunks.append(chunk)
                continue
            items = chunk.items()
            kept: list[bytes] = []
            for item in items if count >= 0 else reversed(items):
                if item == value and removed < budget:
                    removed += 1
                else:
                    kept.append(item)
            if count < 0:
                kept.reverse()
            if len(kept) == len(items):
                kept_chunks.append(chunk)
            elif kept:
                kept_chunks.append(Chunk(kept))  # a part of a chunk fits in one
        if count < 0:
            kept_chunks.reverse()
        self._store(kept_chunks)
        self._size -= removed
        return removed

    def find(self, value: bytes, reverse: bool, maxlen: int) -> Iterator[int]:
        """The indexes of the elements equal to ``value``, from the head (or from the
        tail when ``reverse``), among the first ``maxlen`` scanned (0: all)."""
        limit = maxlen or self._size
        chunks = self._all()
        scanned = 0
        index = self._size - 1 if reverse else 0
        step = -1 if reverse else 1
        for chunk in reversed(chunks) if reverse else chunks:
            if scanned >= limit:
                return
            size = len(chunk)
            if value in chunk.blob:
                items = chunk.items()
                for item in reversed(items) if reverse else items:
                    if scanned >= limit:
                        return
                    if item == value:
                        yield index
                    index += step
                    scanned += 1
            else:
                index += step * size
                scanned += size

    # -- snapshots ---------------------------------------------------------------------

    def encode(self) -> bytes:
        """msgpack array of the elements, head first (whatever the chunks)."""
        return _encode(list(self))

    @classmethod
    def decode(cls, data: bytes) -> Self:
        try:
            items = _decode(data)
        except msgspec.DecodeError as exc:
            raise ValueError(f"malformed list value: {exc}") from None
        return cls(items)

    def copy(self) -> Self:
        return type(self)(list(self))
