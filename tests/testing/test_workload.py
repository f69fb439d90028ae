"""Simulated clients and the append state machine (``rabia.testing.workload``)."""

from __future__ import annotations

import random

from rabia.testing import AppendMachine, Client, append_op, make_clients


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
