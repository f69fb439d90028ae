"""Which ranks a score or lex range selects: a small set walked as Redis's listpack is,
a large one bisected, the same whenever members are in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rabia.kv.values.zset_index import ScoreIndex
from rabia.kv.values.zset_range import (
    MINUS,
    PLUS,
    LexBound,
    LexRange,
    ScoreRange,
    lex_span,
    score_span,
    window,
)
from rabia.kv.values.zset_small import Small

bounds = st.one_of(
    st.just(MINUS),
    st.just(PLUS),
    st.sampled_from([b"", b"a", b"b", b"bb", b"c"]).map(lambda m: LexBound(0, m)),
)
lex_ranges = st.builds(LexRange, bounds, bounds, st.booleans(), st.booleans())


def both(members: list[bytes]) -> tuple[Small, ScoreIndex]:
    ordered = sorted(members)
    return Small([0.0] * len(ordered), list(ordered)), ScoreIndex.from_sorted(
        [0.0] * len(ordered), ordered
    )


@given(
    st.sets(st.sampled_from([b"", b"a", b"ab", b"b", b"bb", b"ba", b"c", b"d"])),
    lex_ranges,
    st.integers(-1, 4),
    st.integers(-1, 4),
    st.booleans(),
)
def test_walk_and_bisection_agree_on_ordered_members(
    members: set[bytes], rng: LexRange, offset: int, limit: int, reverse: bool
) -> None:
    small, index = both(list(members))
    assert lex_span(small, rng, offset, limit, reverse) == lex_span(
        index, rng, offset, limit, reverse
    )
    start, stop = lex_span(small, rng, 0, -1, False)
    expected = [m for m in sorted(members) if rng.above_min(m) and rng.below_max(m)]
    assert small.members[start:stop] == expected


def test_a_small_set_with_mixed_scores_is_walked_like_a_listpack() -> None:
    small = Small([1.0, 2.0, 3.0], [b"c", b"a", b"b"])
    rng = LexRange(LexBound(0, b"b"), PLUS, False, True)
    assert lex_span(small, rng, 0, -1, False) == (0, 3)  # "c" first: then all up to +
    a_to_b = LexRange(LexBound(0, b"a"), LexBound(0, b"b"), False, False)
    assert lex_span(small, a_to_b, 0, -1, False) == (0, 0)  # the first member is past max
    middle = Small([1.0, 2.0, 3.0], [b"a", b"c", b"b"])
    assert lex_span(middle, a_to_b, 0, -1, False) == (0, 1)  # "a", then "c" stops the walk
    assert lex_span(middle, a_to_b, 0, -1, True) == (0, 3)  # from the end: "b", "c", "a"


def test_empty_ranges() -> None:
    assert LexRange(PLUS, PLUS, True, True).empty()
    assert LexRange(MINUS, MINUS, True, True).empty()
    assert LexRange(PLUS, MINUS, True, True).empty()
    assert not LexRange(MINUS, PLUS, True, True).empty()
    assert LexRange(LexBound(0, b"a"), LexBound(0, b"a"), True, False).empty()
    assert not LexRange(LexBound(0, b"a"), LexBound(0, b"a"), False, False).empty()
    assert ScoreRange(1.0, 1.0, False, True).empty()
    assert ScoreRange(2.0, 1.0, False, False).empty()


def test_score_spans_and_limit_windows() -> None:
    small = Small([1.0, 2.0, 2.0, 3.0], [b"a", b"b", b"c", b"d"])
    assert score_span(small, ScoreRange(2.0, 3.0, False, False)) == (1, 4)
    assert score_span(small, ScoreRange(2.0, 3.0, True, True)) == (3, 3)
    assert window((1, 4), 1, 1, False) == (2, 3)
    assert window((1, 4), 1, 5, True) == (1, 3)
    assert window((1, 4), 0, -1, False) == (1, 4)
    assert window((1, 4), -1, 2, False) == (0, 0)
    assert window((1, 4), 3, 2, False) == (0, 0)
