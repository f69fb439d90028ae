"""Consumer groups: sorted IDs, pending entries shared by a group and its consumers."""

from __future__ import annotations

import random

from rabia.kv.values.stream_group import Group, SortedIds


def test_sorted_ids_behave_like_a_sorted_set() -> None:
    rnd = random.Random(3)
    ids, model = SortedIds(), set()
    for _ in range(20_000):
        value = rnd.randrange(5_000)
        if value in model and rnd.random() < 0.6:
            ids.discard(value)
            model.discard(value)
        elif value not in model:
            ids.add(value)
            model.add(value)
        ids.discard(-1)  # absent: nothing happens
    ordered = sorted(model)
    assert list(ids.from_(0)) == ordered
    assert list(ids.from_(2_500)) == [v for v in ordered if v >= 2_500]
    assert ids.first() == ordered[0] and ids.last() == ordered[-1]
    assert list(ids.from_(10_000)) == [] and SortedIds().first() is None


def test_appending_in_order_splits_chunks() -> None:
    ids = SortedIds()
    for value in range(3_000):
        ids.add(value)
    assert list(ids.from_(1_234)) == list(range(1_234, 3_000))
    for value in range(0, 3_000, 2):
        ids.discard(value)
    assert list(ids.from_(0)) == list(range(1, 3_000, 2)) and ids.last() == 2_999


def test_a_delivery_is_pending_for_the_group_and_its_consumer() -> None:
    group = Group(0, -1)
    alice, created = group.consumer(b"alice", 10)
    assert created and group.consumer(b"alice", 20) == (alice, False) and alice.seen == 20
    bob, _ = group.consumer(b"bob", 30)
    group.deliver(5, alice, 40)
    group.deliver(6, alice, 40)
    assert len(group.pel) == 2 and list(alice.pel.from_(0)) == [5, 6]
    group.deliver(5, bob, 50)  # delivered again (after SETID): handed to bob, count 1
    nack = group.pel.nacks[5]
    assert (nack.consumer, nack.delivered, nack.count) == (bob, 50, 1)
    assert list(alice.pel.from_(0)) == [6] and list(bob.pel.from_(0)) == [5]
    group.claim(6, group.pel.nacks[6], bob)
    assert len(alice.pel) == 0 and list(bob.pel.from_(0)) == [5, 6]
    assert group.ack(5) and not group.ack(5) and list(bob.pel.from_(0)) == [6]
    assert group.remove_consumer(b"bob") == 1 and len(group.pel) == 0
    assert group.remove_consumer(b"nobody") == 0
