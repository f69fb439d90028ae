"""The pending queue and the decided-id set (``rabia.core.queue``)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from rabia.core import Batch
from rabia.core.queue import DecidedIds, PendingQueue

ids = st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 40))


@given(st.lists(ids, max_size=200), st.lists(ids, max_size=50))
def test_decided_ids_behave_like_a_set(
    added: list[tuple[int, int, int]], probes: list[tuple[int, int, int]]
) -> None:
    decided = DecidedIds()
    model = set()
    for batch_id in added:
        decided.add(batch_id)
        model.add(batch_id)
    for batch_id in probes + added:
        assert (batch_id in decided) == (batch_id in model)


batch_ids = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 2), st.integers(0, 40)), max_size=60
)


@given(batch_ids, st.randoms(use_true_random=False))
def test_decided_ids_round_trip(ids: list[tuple[int, int, int]], rnd: random.Random) -> None:
    a = DecidedIds()
    for bid in ids:
        a.add(bid)
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    b = DecidedIds()
    for bid in shuffled:
        b.add(bid)
    assert a.encode() == b.encode()  # canonical: independent of insertion order
    back = DecidedIds.decode(a.encode())
    assert back == a and back.encode() == a.encode()
    for origin in range(5):
        for inc in range(3):
            for seq in range(42):
                assert ((origin, inc, seq) in back) == ((origin, inc, seq) in ids)


def test_decided_ids_replace_in_place_and_are_unhashable() -> None:
    a, b = DecidedIds(), DecidedIds()
    b.add((1, 0, 0))
    b.add((1, 0, 5))
    a.replace(b)
    assert a == b and (1, 0, 5) in a
    b.add((1, 0, 1))
    assert (1, 0, 1) not in a  # a copy, not a view
    try:
        hash(a)
    except TypeError:
        pass
    else:
        raise AssertionError("a mutable set of ids must not be hashable")


@given(st.lists(st.tuples(st.integers(0, 50), ids), max_size=60, unique_by=lambda t: t[1]))
def test_queue_pops_in_key_then_id_order_and_skips_decided(
    entries: list[tuple[int, tuple[int, int, int]]],
) -> None:
    decided = DecidedIds()
    queue = PendingQueue(decided)
    for key, batch_id in entries:
        assert queue.push(Batch.of(batch_id, key, ()))
        assert not queue.push(Batch.of(batch_id, key, ()))  # already queued
    skip = {batch_id for i, (_, batch_id) in enumerate(entries) if i % 3 == 0}
    for batch_id in skip:
        decided.add(batch_id)
    popped = []
    while (batch := queue.pop()) is not None:
        popped.append(batch.priority)
    expected = sorted((k, b) for k, b in entries if b not in skip)
    assert popped == expected
    assert len(queue) == 0


def test_queue_refuses_decided_batches_and_forgets_them() -> None:
    decided = DecidedIds()
    queue = PendingQueue(decided)
    a, b = Batch.of((0, 0, 0), 5, ()), Batch.of((0, 0, 1), 1, ())
    decided.add(a.id)
    assert not queue.push(a)
    assert queue.push(b) and queue.get(b.id) == b and queue.has_pending()
    decided.add(b.id)
    assert not queue.has_pending() and queue.get(b.id) is None
    c = Batch.of((1, 0, 0), 2, ())
    queue.push(c)
    queue.discard(c.id)
    assert queue.pop() is None and len(queue) == 0
    d = Batch.of((2, 0, 0), 2, ())
    queue.push(d)
    decided.add(d.id)
    queue.drop_decided()
    assert len(queue) == 0
