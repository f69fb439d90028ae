"""Score and lex ranges of sorted sets, and which ranks they select, as Redis walks them.

Scores are in order, so a score range is two bisections. Members are in order only among
equal scores; lex ranges are meant for sets whose scores are all equal, and Redis gives
no promise otherwise. For a small set (listpack) this module walks the members as
Redis's listpack code does, so replies match Redis even for mixed scores; for a large one
it bisects, which is the same answer whenever the members are in order.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from rabia.kv.values.zset_small import Small


class Ordered(Protocol):
    """What a sorted set's content offers (``Small`` and ``ScoreIndex``)."""

    def __len__(self) -> int: ...

    def get(self, member: bytes) -> float | None: ...

    def insert(self, member: bytes, score: float) -> None: ...

    def remove(self, member: bytes) -> float | None: ...

    def rank(self, member: bytes) -> int | None: ...

    def slice(self, start: int, stop: int) -> tuple[list[bytes], list[float]]: ...

    def score_rank(self, score: float, after_equal: bool) -> int: ...

    def member_rank(self, member: bytes, after_equal: bool) -> int: ...

    def remove_ranks(self, start: int, stop: int) -> list[bytes]: ...

    def items(self) -> tuple[list[bytes], list[float]]: ...


class ScoreRange(NamedTuple):
    """``min``..``max`` with exclusive ends (ZRANGEBYSCORE's ``(1.5``)."""

    min: float
    max: float
    minex: bool
    maxex: bool

    def empty(self) -> bool:
        """Whether no score can be in the range."""
        return self.min > self.max or (self.min == self.max and (self.minex or self.maxex))


class LexBound(NamedTuple):
    """One end of a lex range: ``kind`` -1 for ``-``, 1 for ``+``, 0 for ``member``."""

    kind: int
    member: bytes


MINUS = LexBound(-1, b"")
PLUS = LexBound(1, b"")


class LexRange(NamedTuple):
    """A member range (``[a``, ``(a``, ``-``, ``+``), compared as Redis compares it."""

    lo: LexBound
    hi: LexBound
    loex: bool
    hiex: bool

    def empty(self) -> bool:
        """Whether no member can be in the range."""
        lo, hi = self.lo, self.hi
        return lo > hi or (lo == hi and (self.loex or self.hiex))

    def above_min(self, member: bytes) -> bool:
        lo = self.lo
        if lo.kind:
            return lo.kind < 0
        return member > lo.member if self.loex else member >= lo.member

    def below_max(self, member: bytes) -> bool:
        hi = self.hi
        if hi.kind:
            return hi.kind > 0
        return member < hi.member if self.hiex else member <= hi.member


def score_span(z: Ordered, rng: ScoreRange) -> tuple[int, int]:
    """The ranks [start, stop) whose scores are in ``rng``."""
    if rng.empty():
        return 0, 0
    start = z.score_rank(rng.min, rng.minex)
    return start, max(start, z.score_rank(rng.max, not rng.maxex))


def window(span: tuple[int, int], offset: int, limit: int, reverse: bool) -> tuple[int, int]:
    """The part of ``span`` that LIMIT ``offset`` ``limit`` keeps (``limit`` < 0: all),
    counted from its end when ``reverse``: ranks [start, stop)."""
    start, stop = span
    if offset < 0 or start >= stop:
        return 0, 0
    if reverse:
        stop -= offset
        if limit >= 0:
            start = max(start, stop - limit)
    else:
        start += offset
        if limit >= 0:
            stop = min(stop, start + limit)
    return (start, stop) if start < stop else (0, 0)


def _lex_possible(z: Ordered, rng: LexRange) -> bool:
    """Redis's early test: the range is not empty and meets [first, last] member."""
    count = len(z)
    if rng.empty() or not count:
        return False
    first, _ = z.slice(0, 1)
    last, _ = z.slice(count - 1, count)
    return rng.above_min(last[0]) and rng.below_max(first[0])


def lex_span(z: Ordered, rng: LexRange, offset: int, limit: int, reverse: bool) -> tuple[int, int]:
    """The ranks [start, stop) ZRANGEBYLEX returns (ZREVRANGEBYLEX with ``reverse``),
    after LIMIT ``offset`` ``limit`` (``limit`` < 0: all; ZLEXCOUNT and ZREMRANGEBYLEX
    are offset 0, no limit)."""
    if offset < 0 or not _lex_possible(z, rng):
        return 0, 0
    if not isinstance(z, Small):
        return window(_bisected(z, rng), offset, limit, reverse)
    members, _ = z.items()
    above, below = rng.above_min, rng.below_max
    count = len(members)
    if not reverse:
        first = next((i for i in range(count) if above(members[i])), None)
        if first is None or not below(members[first]):
            return 0, 0
        start = stop = first + offset
        while stop < count and stop - start != limit and below(members[stop]):
            stop += 1
        return (start, stop) if start < stop else (0, 0)
    last = next((i for i in range(count - 1, -1, -1) if below(members[i])), None)
    if last is None or not above(members[last]):
        return 0, 0
    stop = start = last - offset + 1
    while start > 0 and stop - start != limit and above(members[start - 1]):
        start -= 1
    return (start, stop) if start < stop else (0, 0)


def _bisected(z: Ordered, rng: LexRange) -> tuple[int, int]:
    lo, hi = rng.lo, rng.hi
    start = 0 if lo.kind < 0 else len(z) if lo.kind > 0 else z.member_rank(lo.member, rng.loex)
    stop = len(z) if hi.kind > 0 else 0 if hi.kind < 0 else z.member_rank(hi.member, not rng.hiex)
    return start, max(start, stop)
