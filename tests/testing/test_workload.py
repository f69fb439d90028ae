"""Simulated clients and the append state machine (``rabia.testing.workload``)."""

from __future__ import annotations

import random

from rabia.testing import AppendMachine, Client, append_op, make_clients
from rabia.testing.workload import MIXES, BarrierRead, decode_list, read_op


def test_append_machine_is_deterministic() -> None:
    a, b = AppendMachine(), AppendMachine()
    for m in (a, b):
        assert m.apply(append_op(1, 10)) == b"1"
        assert m.apply(append_op(1, 11)) == b"2"
        assert m.apply(append_op(2, 12)) == b"1"
    assert a.digest == b.digest and a.state_hash() == b.state_hash()
    b.apply(append_op(2, 13))
    assert a.digest != b.digest and a.state_hash() != b.state_hash()


def test_client_retries_the_same_request_elsewhere() -> None:
    c = Client(client_id=3, total=2, target=0, rng=random.Random(1))
    first = c.issue()
    assert first is not None and (first.client_id, first.seq, first.acked_below) == (3, 0, 0)
    assert c.issue() is None  # closed loop: one request at a time
    again = c.retry(range(3))
    assert again == first and c.target != 0 and c.attempts == 2
    assert not c.on_reply(1, b"x")
    assert c.on_reply(0, b"1")
    second = c.issue()
    assert second is not None and second.seq == 1 and second.acked_below == 1
    assert c.on_reply(1, b"2") and c.done and c.issue() is None


def test_make_clients_shares_ops() -> None:
    clients = make_clients(random.Random(2), 61, range(3), count=4)
    assert [c.total for c in clients] == [16, 15, 15, 15]
    assert len({c.client_id for c in clients}) == 4
    drawn = make_clients(random.Random(9), 60, range(5))
    assert 2 <= len(drawn) <= 8 and sum(c.total for c in drawn) == 60


def test_a_read_through_the_log_returns_the_list_and_changes_nothing() -> None:
    m = AppendMachine()
    m.apply(append_op(1, 10))
    m.apply(append_op(1, 11))
    contents = m.state_hash()
    assert m.apply(read_op(1)) == b"10,11" == m.read(1)
    assert m.apply(read_op(2)) == b"" and decode_list(b"") == ()
    assert decode_list(m.read(1)) == (10, 11)
    assert m.state_hash() == contents and m.ops() == {(0, 10), (0, 11)}


def test_clients_draw_appends_log_reads_and_barrier_reads_by_their_mix() -> None:
    c = Client(client_id=2, total=300, target=0, rng=random.Random(4), members=(0, 1, 2))
    kinds: dict[str, int] = {}
    targets = set()
    for seq in range(300):
        request = c.issue()
        assert request is not None and request.seq == seq
        if isinstance(request, BarrierRead):
            kind = "barrier"
            targets.add(c.destination)
        else:
            kind = "log-read" if request.op.startswith(b"r:") else "append"
            assert c.destination == 0, "commands go to the client's replica"
        kinds[kind] = kinds.get(kind, 0) + 1
        assert c.on_reply(seq, b"")
    assert kinds["append"] > kinds["barrier"] > kinds["log-read"] > 0
    assert targets == {0, 1, 2}, "each barrier read goes to a replica drawn at random"


def test_a_barrier_read_fails_over_without_moving_the_client_replica() -> None:
    c = Client(client_id=2, total=50, target=0, rng=random.Random(4), members=(0, 1, 2))
    while not isinstance(request := c.issue(), BarrierRead):
        assert request is not None and c.on_reply(request.seq, b"1")
    first = c.destination
    assert c.retry((0, 1, 2)) == request and c.destination != first and c.target == 0


def test_make_clients_draws_a_mix_per_client() -> None:
    clients = make_clients(random.Random(3), 60, range(3), count=8)
    assert {c.mix for c in clients} <= set(MIXES) and len({c.mix for c in clients}) > 1
