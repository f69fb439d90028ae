"""The replicated registry of waiters and served pops (rabia.kv.blocking)."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.blocking import (
    Blocking,
    Delivery,
    Waiter,
    blocked_marker,
    owner_of,
    read_blocked,
)


def _waiter(wid: bytes, *keys: bytes, deadline: int = 0) -> Waiter:
    return Waiter(wid, [b"BLPOP", *keys, b"0"], list(keys), deadline, resp.NULL_ARRAY)


def test_waiters_by_key_in_registration_order_and_dropped_from_every_key() -> None:
    blocking = Blocking()
    blocking.register(_waiter(b"1.1.0", b"a", b"b"))
    blocking.register(_waiter(b"2.1.0", b"b"))
    blocking.register(_waiter(b"1.1.0", b"c"))  # an id registers once
    assert [w.wid for w in blocking.waiting_on(b"b")] == [b"1.1.0", b"2.1.0"]
    assert sorted(blocking.keys()) == [b"a", b"b"]
    assert blocking.drop(b"1.1.0") is not None and blocking.drop(b"1.1.0") is None
    assert sorted(blocking.keys()) == [b"b"]


def test_deadlines_drop_waiters_and_return_overdue_deliveries() -> None:
    blocking = Blocking()
    blocking.register(_waiter(b"1.1.0", b"a", deadline=100))
    blocking.register(_waiter(b"1.1.1", b"a"))
    blocking.deliver(Delivery(b"1.1.2", b"r", [b"LPUSH", b"a", b"x"], 150))
    assert blocking.next_deadline() == 100
    assert blocking.expire(99) == [] and len(blocking.waiters) == 2
    assert blocking.expire(150) == [Delivery(b"1.1.2", b"r", [b"LPUSH", b"a", b"x"], 150)]
    assert list(blocking.waiters) == [b"1.1.1"] and not blocking.deliveries


def test_a_reset_keeps_the_current_session_and_other_nodes() -> None:
    blocking = Blocking()
    for wid in (b"1.7.0", b"1.8.0", b"11.7.0", b"2.7.0"):
        blocking.register(_waiter(wid, b"a"))
        blocking.deliver(Delivery(wid + b"d", b"r", [b"LPUSH", b"a", wid], 10))
    returned = blocking.reset(b"1", b"8")
    assert [d.wid for d in returned] == [b"1.7.0d"]
    assert list(blocking.waiters) == [b"1.8.0", b"11.7.0", b"2.7.0"]
    assert owner_of(b"11.7.3") == (b"11", b"7")


def test_state_round_trip_keeps_order() -> None:
    blocking = Blocking()
    blocking.register(_waiter(b"2.1.0", b"b", deadline=5))
    blocking.register(_waiter(b"1.1.0", b"b"))
    blocking.deliver(Delivery(b"3.1.0", b"r", [b"RPUSH", b"b", b"x"], 7))
    copy = Blocking.from_state(blocking.state())
    assert copy.state() == blocking.state()
    assert [w.wid for w in copy.waiting_on(b"b")] == [b"2.1.0", b"1.1.0"]
    assert copy.expire(7) and not copy.waiters.get(b"2.1.0")


def test_markers() -> None:
    marker = blocked_marker(2_500_000, b"$-1\r\n")
    assert read_blocked(marker) == (2_500_000, b"$-1\r\n")
