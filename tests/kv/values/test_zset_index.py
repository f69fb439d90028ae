"""ScoreIndex against a plain sorted list, with small blocks so that splits and merges
happen: ranks, slices, bounds, removals and ZSCAN's cursor."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.kv.values import zset_index
from rabia.kv.values.zset_index import ScoreIndex

members = st.binary(min_size=0, max_size=3)
scores = st.sampled_from([-2.0, -0.0, 0.0, 1.0, 1.5, 3.0, float("inf"), float("-inf")])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), scores, members),
        st.tuples(st.just("insert"), scores, members),
        st.tuples(st.just("remove"), scores, members),
        st.tuples(st.just("remove_ranks"), st.integers(0, 40), st.integers(0, 40)),
    ),
    max_size=120,
)


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zset_index, "LOAD", 4)


def check(index: ScoreIndex, model: list[tuple[float, bytes]]) -> None:
    members_, scores_ = index.items()
    assert list(zip(scores_, members_, strict=True)) == model
    assert len(index) == len(model) == len(index.dict)
    for rank, (score, member) in enumerate(model):
        assert index.rank(member) == rank
        assert index.get(member) == score
        assert index.slice(rank, rank + 1) == ([member], [score])
    for score in (-3.0, -2.0, 0.0, 1.0, 2.0, float("inf")):
        just = [s for s, _ in model]
        assert index.score_rank(score, False) == bisect_left(just, score)
        assert index.score_rank(score, True) == bisect_right(just, score)
    for start in range(len(model) + 1):
        for stop in range(start, len(model) + 1, 3):
            assert index.slice(start, stop) == (
                [m for _, m in model[start:stop]],
                [s for s, _ in model[start:stop]],
            )


@settings(max_examples=300, deadline=None)
@given(operations)
def test_the_index_keeps_the_order_of_a_sorted_list(ops: list[tuple[str, object, object]]) -> None:
    index = ScoreIndex()
    model: list[tuple[float, bytes]] = []
    for op, a, b in ops:
        if op == "insert":
            assert isinstance(a, float) and isinstance(b, bytes)
            if index.get(b) is None:
                index.insert(b, a)
                model.append((a, b))
                model.sort()
        elif op == "remove":
            assert isinstance(b, bytes)
            known = dict((m, s) for s, m in model)
            assert index.remove(b) == known.get(b)
            model = [(s, m) for s, m in model if m != b]
        else:
            assert isinstance(a, int) and isinstance(b, int)
            start, stop = min(a, len(model)), min(b, len(model))
            if start < stop:
                assert index.remove_ranks(start, stop) == [m for _, m in model[start:stop]]
                del model[start:stop]
    check(index, model)
    rebuilt = ScoreIndex.from_sorted([s for s, _ in model], [m for _, m in model])
    check(rebuilt, model)


def test_member_ranks_bisect_members_of_equal_scores() -> None:
    names = [b"m%02d" % i for i in range(30)]
    index = ScoreIndex.from_sorted([0.0] * 30, names)
    assert index.member_rank(b"m10", False) == 10
    assert index.member_rank(b"m10", True) == 11
    assert index.member_rank(b"m105", False) == 11
    assert index.member_rank(b"z", False) == 30
    assert index.member_rank(b"", True) == 0


@settings(max_examples=100, deadline=None)
@given(
    st.sets(st.binary(max_size=10), min_size=1, max_size=60),
    st.integers(1, 7),
    st.lists(st.binary(max_size=10), max_size=10),
)
def test_zscan_returns_every_member_present_for_the_whole_scan(
    present: set[bytes], count: int, churn: list[bytes]
) -> None:
    index = ScoreIndex.from_sorted([1.0] * len(present), sorted(present))
    seen: set[bytes] = set()
    cursor, rounds = 0, 0
    while True:
        batch, cursor = index.scan(cursor, count)
        seen.update(batch)
        if churn:  # members come and go between calls
            extra = churn.pop()
            if extra not in present and index.get(extra) is None:
                index.insert(extra, 2.0)
        rounds += 1
        if cursor == 0:
            break
        assert rounds < 1000
    assert present <= seen
