"""A small sorted set, packed into one ``bytes`` (Redis's listpack encoding).

Up to ``MAX_ENTRIES`` members of at most ``MAX_MEMBER`` bytes: one bytes object per set,
laid out as ``count, width, member lengths (a byte each), scores, members``, where the
scores are int8/int16/int32 when all are integers that fit (``width`` 1, 2, 4) and
little-endian doubles otherwise (8). As in Redis's listpack, a score ``-0`` is stored as
``0``. ``Small`` is the unpacked form a command works on: two parallel lists in (score,
member) order, packed back when the command is done.
"""

from __future__ import annotations

import struct
from bisect import bisect_left, bisect_right
from functools import lru_cache

MAX_ENTRIES = 128
"""Redis's ``zset-max-listpack-entries``."""
MAX_MEMBER = 64
"""Redis's ``zset-max-listpack-value``."""

_FORMATS = {1: "b", 2: "h", 4: "i", 8: "d"}
EMPTY = b"\x00\x08"
"""The packed form of an empty set."""


@lru_cache(maxsize=512)
def _layout(head: bytes) -> struct.Struct:
    """The ``struct`` of the scores and members a packed set's head describes (sets
    alike in size and member lengths share one)."""
    count, width = head[0], head[1]
    members = "".join(map("{}s".format, head[2:]))
    return struct.Struct(f"<{count}{_FORMATS[width]}{members}")


def _width(low: float, high: float) -> int:
    """Bytes per score for integer scores from ``low`` to ``high`` (8: doubles)."""
    for width, limit in ((1, 1 << 7), (2, 1 << 15), (4, 1 << 31)):
        if low >= -limit and high < limit:
            return width
    return 8


class Small:
    """An unpacked small sorted set: ``scores`` and ``members`` in (score, member) order."""

    __slots__ = ("members", "scores")

    def __init__(self, scores: list[float], members: list[bytes]) -> None:
        self.scores = scores
        self.members = members

    @classmethod
    def unpack(cls, data: bytes) -> Small:
        """The set ``data`` (from ``pack``) holds; ``ValueError`` if malformed."""
        count = data[0]
        if not count:
            return cls([], [])
        head = data[: 2 + count]
        try:
            fields = _layout(head).unpack_from(data, len(head))
        except (KeyError, struct.error) as exc:
            raise ValueError(f"malformed packed sorted set: {exc}") from None
        if _layout(head).size + len(head) != len(data):
            raise ValueError("malformed packed sorted set: wrong length")
        numbers = fields[:count]
        scores = list(numbers) if data[1] == 8 else list(map(float, numbers))
        return cls(scores, list(fields[count:]))

    def pack(self) -> bytes:
        """The packed form (see the module's docstring)."""
        scores, members = self.scores, self.members
        count = len(members)
        if not count:
            return EMPTY
        width = _width(scores[0], scores[-1])
        if width != 8 and not all(map(float.is_integer, scores)):
            width = 8
        head = bytes((count, width)) + bytes(map(len, members))
        numbers = scores if width == 8 else map(int, scores)
        return head + _layout(head).pack(*numbers, *members)

    # -- the Ordered protocol (rabia.kv.values.zset) -----------------------------------

    def __len__(self) -> int:
        return len(self.members)

    def get(self, member: bytes) -> float | None:
        try:
            return self.scores[self.members.index(member)]
        except ValueError:
            return None

    def insert(self, member: bytes, score: float) -> None:
        """Add a member that is not in the set (a ``-0`` score is stored as ``0``)."""
        score += 0.0
        scores, members = self.scores, self.members
        lo = bisect_left(scores, score)
        hi = bisect_right(scores, score, lo)
        pos = bisect_left(members, member, lo, hi) if hi > lo else lo
        scores.insert(pos, score)
        members.insert(pos, member)

    def remove(self, member: bytes) -> float | None:
        try:
            pos = self.members.index(member)
        except ValueError:
            return None
        del self.members[pos]
        return self.scores.pop(pos)

    def rank(self, member: bytes) -> int | None:
        try:
            return self.members.index(member)
        except ValueError:
            return None

    def slice(self, start: int, stop: int) -> tuple[list[bytes], list[float]]:
        return self.members[start:stop], self.scores[start:stop]

    def score_rank(self, score: float, after_equal: bool) -> int:
        return (bisect_right if after_equal else bisect_left)(self.scores, score)

    def member_rank(self, member: bytes, after_equal: bool) -> int:
        return (bisect_right if after_equal else bisect_left)(self.members, member)

    def remove_ranks(self, start: int, stop: int) -> list[bytes]:
        removed = self.members[start:stop]
        del self.members[start:stop], self.scores[start:stop]
        return removed

    def items(self) -> tuple[list[bytes], list[float]]:
        return self.members, self.scores
