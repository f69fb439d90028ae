"""The sorted set value (``TYPE`` zset), in Redis's two encodings.

``listpack``: at most 128 members of at most 64 bytes, packed into one bytes object
(``zset_small``); ``skiplist``: a ``ScoreIndex`` (``zset_index``). As in Redis 7.0 a set
starts packed (unless its first member is too long), turns into the index when a member
would make it too large, and never turns back, except that the sets ZUNIONSTORE and
the like build are packed when small enough.

A command takes the content with ``view()`` (the unpacked lists, or the index itself),
reads or changes it through the ``Ordered`` protocol, calls ``make_room`` before
inserting a member, and ``save`` once done. Unpacking costs microseconds per member, so
the last ``HOT`` small sets used stay unpacked (``Small``) and are packed again when
they leave that list: a bounded cache, invisible in replies and snapshots.
"""

from __future__ import annotations

import struct
import sys
from array import array
from itertools import accumulate, pairwise
from typing import Self

from rabia.kv.values import register
from rabia.kv.values.base import TypedValue
from rabia.kv.values.zset_index import ScoreIndex
from rabia.kv.values.zset_range import Ordered
from rabia.kv.values.zset_small import EMPTY, MAX_ENTRIES, MAX_MEMBER, Small

_PACKED, _INDEX = b"L", b"S"
_COUNT = struct.Struct("<I")

HOT = 256
"""Small sets kept unpacked, the most recently used."""
_hot: dict[ZSetValue, bytes | None] = {}
"""The sets kept unpacked, least recently used first, with their packed form while
they are unchanged (None once changed)."""


def _keep_unpacked(value: ZSetValue, packed: bytes | None) -> None:
    """Put ``value`` (holding a ``Small``) last in ``_hot``; pack the oldest past ``HOT``."""
    _hot.pop(value, None)
    _hot[value] = packed
    if len(_hot) > HOT:
        oldest = next(iter(_hot))
        clean = _hot.pop(oldest)
        data = oldest._data
        if isinstance(data, Small):
            oldest._data = data.pack() if clean is None else clean


def _little(values: array) -> bytes:  # type: ignore[type-arg]
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def _from_little(code: str, data: bytes) -> array:  # type: ignore[type-arg]
    values = array(code)
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


@register
class ZSetValue(TypedValue):
    """A sorted set: members (bytes) ordered by (score, member)."""

    __slots__ = ("_data",)

    TYPE = b"zset"

    def __init__(self, data: bytes | Small | ScoreIndex = EMPTY) -> None:
        super().__init__()
        self._data = data

    @classmethod
    def new(cls, first_member: bytes) -> ZSetValue:
        """An empty set about to receive ``first_member`` (packed unless too long)."""
        return cls(EMPTY if len(first_member) <= MAX_MEMBER else ScoreIndex())

    @classmethod
    def built(cls, members: list[bytes], scores: list[float]) -> ZSetValue:
        """A set of pairs in order, packed when small enough (what ZUNIONSTORE,
        ZINTERSTORE and ZDIFFSTORE store)."""
        if len(members) <= MAX_ENTRIES and all(len(m) <= MAX_MEMBER for m in members):
            return cls(Small([s + 0.0 for s in scores], members).pack())
        return cls(ScoreIndex.from_sorted(scores, members))

    @property
    def ENCODING(self) -> bytes:  # type: ignore[override]
        """``OBJECT ENCODING``: ``listpack`` or ``skiplist``."""
        return b"skiplist" if isinstance(self._data, ScoreIndex) else b"listpack"

    def encoding(self) -> bytes:
        """The same as ``ENCODING`` (for callers that ask each value by a method)."""
        return self.ENCODING

    def __len__(self) -> int:
        data = self._data
        return data[0] if type(data) is bytes else len(data)

    def view(self) -> Ordered:
        """The content, to read or change (``save`` it after a change)."""
        data = self._data
        if isinstance(data, bytes):
            small = self._data = Small.unpack(data)
            _keep_unpacked(self, data)
            return small
        if isinstance(data, Small):
            _keep_unpacked(self, _hot.get(self))
        return data

    def sort_elements(self) -> list[bytes]:
        """SORT's view (``rabia.kv.commands.sort``): the members by score. Like Redis
        7.0's SORT (SORT_RO too), it turns a packed set into the index for good."""
        view = self.view()
        if isinstance(view, Small):
            self._data = ScoreIndex.from_sorted(view.scores, view.members)
            _hot.pop(self, None)
        return list(view.items()[0])

    def make_room(self, view: Ordered, member: bytes) -> Ordered:
        """The view to insert ``member`` into: converted to the index (and kept) when a
        packed set would grow past 128 members or get a member over 64 bytes."""
        if isinstance(view, Small) and (len(view) >= MAX_ENTRIES or len(member) > MAX_MEMBER):
            index = ScoreIndex.from_sorted(view.scores, view.members)
            self._data = index
            _hot.pop(self, None)
            return index
        return view

    def save(self, view: Ordered) -> None:
        """Keep the changes made to ``view``."""
        if isinstance(view, Small):
            self._data = view  # (it may have been packed meanwhile)
            _keep_unpacked(self, None)

    # -- snapshots ---------------------------------------------------------------------

    def encode(self) -> bytes:
        data = self._data
        if isinstance(data, Small):
            return _PACKED + (_hot.get(self) or data.pack())
        if isinstance(data, bytes):
            return _PACKED + data
        members, scores = data.items()
        return b"".join(
            (
                _INDEX,
                _COUNT.pack(len(members)),
                _little(array("d", scores)),
                _little(array("I", map(len, members))),
                *members,
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> Self:
        tag, body = data[:1], data[1:]
        if tag == _PACKED:
            try:
                small = Small.unpack(body)
            except (IndexError, KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"malformed packed zset: {exc}") from None
            if small.pack() != body:
                raise ValueError("malformed packed zset")
            return cls(body)
        if tag != _INDEX or len(body) < 4:
            raise ValueError("malformed zset")
        (count,) = _COUNT.unpack_from(body)
        at = 4 + 8 * count
        scores = _from_little("d", body[4:at]).tolist()
        lengths = _from_little("I", body[at : at + 4 * count])
        start = at + 4 * count
        bounds = list(accumulate(lengths, initial=start))
        if len(scores) != count or len(lengths) != count or bounds[-1] != len(body):
            raise ValueError("malformed zset")
        members = [body[a:b] for a, b in pairwise(bounds)]
        pairs = list(zip(scores, members, strict=True))
        if len(set(members)) != count or pairs != sorted(pairs):
            raise ValueError("malformed zset: members repeated or out of order")
        return cls(ScoreIndex.from_sorted(scores, members))

    def copy(self) -> Self:
        data = self._data
        if isinstance(data, Small):
            return type(self)(_hot.get(self) or data.pack())
        if isinstance(data, bytes):
            return type(self)(data)
        members, scores = data.items()
        return type(self)(ScoreIndex.from_sorted(scores, members))
