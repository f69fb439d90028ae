"""The log side of blocking commands (rabia.kv.commands.blocking, ADR 0014), with a test
bag type: registration, first-come first-served, deadlines, unblock, ACK/RETURN of served
pops, resets of a node's earlier sessions, snapshots."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.blocking import (
    ACK_NEEDED,
    BLOCKED,
    GONE,
    NOTHING,
    SERVED,
    UNBLOCKED,
    read_blocked,
)
from tests.kv.blockfakes import Applier, machine


class Announcements:
    """A served sink that records what the machine announces."""

    def __init__(self) -> None:
        self.log: list[tuple[bytes, bytes]] = []

    def served(self, wid: bytes, marker: bytes) -> None:
        self.log.append((wid, marker))


def _with_sink(apply: Applier) -> list[tuple[bytes, bytes]]:
    sink = Announcements()
    apply.kv.served_sink = sink
    return sink.log


def test_a_call_with_something_to_serve_is_served_at_once() -> None:
    apply = Applier()
    apply(b"BAGADD", b"q", b"x")
    assert apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"q", b"0") == SERVED + resp.bulk_array(
        [b"q", b"x"]
    )
    assert apply(b"EXISTS", b"q") == resp.ZERO


def test_an_empty_call_waits_and_changes_nothing_then_a_write_serves_it() -> None:
    apply = Applier()
    served = _with_sink(apply)
    marker = apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"q", b"2.5")
    assert marker.startswith(BLOCKED)
    assert read_blocked(marker) == (2_500_000, resp.NULL_ARRAY)
    assert apply(b"DBSIZE") == resp.ZERO
    apply(b"BAGADD", b"q", b"x")
    assert served == [(b"1.7.0", SERVED + resp.bulk_array([b"q", b"x"]))]
    assert apply(b"EXISTS", b"q") == resp.ZERO  # popped inside the write's own apply


def test_waiters_are_served_first_come_first_served_across_keys() -> None:
    apply = Applier()
    served = _with_sink(apply)
    apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"a", b"b", b"0")
    apply(b"RABIA.BCALL", b"2.7.0", b"BBAGPOP", b"b", b"0")
    apply(b"RABIA.BCALL", b"3.7.0", b"BBAGPOP", b"b", b"0")
    apply(b"BAGADD", b"b", b"1", b"2")
    assert [wid for wid, _ in served] == [b"1.7.0", b"2.7.0"]
    apply(b"BAGADD", b"a", b"3")
    assert [wid for wid, _ in served] == [b"1.7.0", b"2.7.0"]  # 1 left a's queue too
    apply(b"BAGADD", b"b", b"4")
    assert [wid for wid, _ in served][-1] == b"3.7.0"


def test_a_waiter_past_its_deadline_is_not_served() -> None:
    apply = Applier()
    served = _with_sink(apply)
    apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"q", b"0.001")
    apply.now += 5_000
    apply(b"BAGADD", b"q", b"x")
    assert served == []
    assert apply(b"RABIA.BUNBLOCK", b"1.7.0") == NOTHING


def test_unblock_removes_a_waiter_once() -> None:
    apply = Applier()
    served = _with_sink(apply)
    apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"q", b"0")
    assert apply(b"RABIA.BUNBLOCK", b"1.7.0") == UNBLOCKED
    assert apply(b"RABIA.BUNBLOCK", b"1.7.0") == NOTHING
    apply(b"BAGADD", b"q", b"x")
    assert served == []


def test_a_blocking_command_outside_a_call_or_inside_exec_answers_its_timeout_reply() -> None:
    apply = Applier()
    assert apply(b"BBAGPOP", b"q", b"0") == resp.NULL_ARRAY
    assert apply(b"RABIA.BCALL", b"1.7.0", b"GET", b"q").startswith(b"-ERR")


def test_served_markers_need_no_ack_for_non_consuming_commands_and_snapshots_keep_waiters() -> None:
    apply = Applier()
    apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"q", b"0")
    copy = Applier(machine())
    copy.kv.restore(apply.kv.snapshot())
    copy.now = apply.now
    served = _with_sink(copy)
    copy(b"BAGADD", b"q", b"x")
    assert served == [(b"1.7.0", SERVED + resp.bulk_array([b"q", b"x"]))]


def test_acks_and_returns_of_a_delivery() -> None:
    from rabia.kv.blocking import Delivery

    apply = Applier()
    ctx = apply.kv._context
    apply(b"BAGADD", b"q", b"a")
    ctx.blocking.deliver(Delivery(b"1.7.0", b"*reply", [b"BAGADD", b"q", b"back"], 10**12))
    ctx.blocking.deliver(Delivery(b"1.7.1", b"*other", [b"BAGADD", b"q", b"again"], 10**12))
    assert apply(b"RABIA.BACK", b"1.7.0") == b"*reply"
    assert apply(b"RABIA.BACK", b"1.7.0") == GONE
    assert apply(b"RABIA.BRETURN", b"1.7.1") == resp.OK
    assert apply(b"RABIA.BRETURN", b"1.7.1") == NOTHING
    assert ctx.keyspace.data[b"q"].items == [b"a", b"again"]  # type: ignore[union-attr]


def test_a_delivery_nobody_acks_goes_back_after_its_ttl() -> None:
    from rabia.kv.blocking import DELIVERY_TTL, Delivery

    apply = Applier()
    ctx = apply.kv._context
    ctx.blocking.deliver(Delivery(b"1.7.0", b"*r", [b"BAGADD", b"q", b"x"], apply.now + 10))
    apply(b"PING")
    apply.now += DELIVERY_TTL
    apply(b"DBSIZE")
    assert ctx.keyspace.data[b"q"].items == [b"x"]  # type: ignore[union-attr]
    assert apply(b"RABIA.BACK", b"1.7.0") == GONE


def test_a_reset_drops_earlier_sessions_waiters_and_returns_their_deliveries() -> None:
    from rabia.kv.blocking import Delivery

    apply = Applier()
    served = _with_sink(apply)
    ctx = apply.kv._context
    apply(b"RABIA.BCALL", b"1.7.0", b"BBAGPOP", b"q", b"0")  # node 1, session 7
    apply(b"RABIA.BCALL", b"1.8.0", b"BBAGPOP", b"q", b"0")  # node 1, session 8 (now)
    apply(b"RABIA.BCALL", b"2.7.0", b"BBAGPOP", b"q", b"0")  # node 2
    ctx.blocking.deliver(Delivery(b"1.7.5", b"*r", [b"BAGADD", b"z", b"back"], 10**12))
    assert apply(b"RABIA.BRESET", b"1", b"8") == resp.integer(1)
    assert ctx.keyspace.data[b"z"].items == [b"back"]  # type: ignore[union-attr]
    apply(b"BAGADD", b"q", b"x", b"y")
    assert [wid for wid, _ in served] == [b"1.8.0", b"2.7.0"]


def test_clients_cannot_send_the_internal_entries() -> None:
    from rabia.kv.commands.table import COMMANDS, MACHINE_COMMANDS

    internal = {n for n in MACHINE_COMMANDS if n.startswith(b"rabia.b")}
    assert internal == {
        b"rabia.bcall",
        b"rabia.back",
        b"rabia.breturn",
        b"rabia.bunblock",
        b"rabia.breset",
    }
    assert not internal & set(COMMANDS)
    assert ACK_NEEDED != SERVED
