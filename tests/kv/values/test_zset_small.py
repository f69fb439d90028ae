"""The packed form of small sorted sets: round trips, score widths, ``-0``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rabia.kv.values.zset_small import EMPTY, Small

scores = st.one_of(
    st.integers(-(2**40), 2**40).map(float),
    st.integers(-200, 200).map(float),
    st.floats(allow_nan=False),
)


@given(st.dictionaries(st.binary(max_size=64), scores, max_size=128))
def test_pack_and_unpack_round_trip(content: dict[bytes, float]) -> None:
    small = Small([], [])
    for member, score in content.items():
        small.insert(member, score)
    again = Small.unpack(small.pack())
    assert again.members == small.members
    assert again.scores == small.scores
    assert [type(s) for s in again.scores] == [float] * len(content)
    pairs = list(zip(small.scores, small.members, strict=True))
    assert sorted(pairs) == pairs


@pytest.mark.parametrize(
    ("scores", "width"),
    [
        ([1.0, -5.0, 127.0], 1),
        ([-128.0, 0.0], 1),
        ([128.0], 2),
        ([-32769.0, 3.0], 4),
        ([2.0**31], 8),
        ([1.5, 2.0], 8),
        ([float("inf")], 8),
    ],
)
def test_integer_scores_take_few_bytes(scores: list[float], width: int) -> None:
    small = Small([], [])
    for i, score in enumerate(scores):
        small.insert(b"m%d" % i, score)
    packed = small.pack()
    assert packed[1] == width
    assert len(packed) == 2 + len(scores) * (1 + width) + sum(len(m) for m in small.members)


def test_negative_zero_is_stored_as_zero_as_in_a_listpack() -> None:
    small = Small([], [])
    small.insert(b"a", -0.0)
    small.insert(b"b", 0.5)
    assert str(small.scores[0]) == "0.0"
    assert str(Small.unpack(small.pack()).scores[0]) == "0.0"


def test_the_empty_set_and_malformed_bytes() -> None:
    assert Small.unpack(EMPTY).members == []
    assert Small([], []).pack() == EMPTY
    packed = Small([1.0], [b"abc"]).pack()
    with pytest.raises(ValueError):
        Small.unpack(packed + b"x")


def test_lookups() -> None:
    small = Small([], [])
    for member, score in [(b"b", 2.0), (b"a", 2.0), (b"c", 1.0)]:
        small.insert(member, score)
    assert small.members == [b"c", b"a", b"b"]
    assert small.get(b"a") == 2.0 and small.get(b"x") is None
    assert small.rank(b"b") == 2 and small.rank(b"x") is None
    assert small.score_rank(2.0, False) == 1 and small.score_rank(2.0, True) == 3
    assert small.remove(b"a") == 2.0 and small.remove(b"a") is None
    assert small.remove_ranks(0, 1) == [b"c"]
    assert small.items() == ([b"b"], [2.0])
