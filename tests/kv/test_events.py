"""The machine's change notifications: names, order and revisions, as Redis names them."""

from __future__ import annotations

from rabia.kv import KVMachine
from tests.kv.conftest import SEC, Driver


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[int, bytes, bytes]] = []
        self.resets: list[int] = []

    def publish(self, revision: int, events: list[tuple[bytes, bytes]]) -> None:
        assert events
        self.events += [(revision, e, k) for e, k in events]

    def reset(self, revision: int) -> None:
        self.resets.append(revision)


def recorded() -> tuple[Driver, Recorder]:
    r, rec = Driver(), Recorder()
    r.m.event_sink = rec
    return r, rec


def test_each_change_is_named_like_redis_and_stamped_with_its_revision() -> None:
    r, rec = recorded()
    r("SET", "a", "1")  # rev 1
    r("GET", "a")  # rev 2: a read yields nothing
    r("INCR", "a")  # 3
    r("DECRBY", "a", "5")  # 4
    r("APPEND", "a", "x")  # 5
    r("SET", "b", "v", "EX", "10")  # 6
    r("PERSIST", "b")  # 7
    r("MSET", "c", "1", "d", "2")  # 8
    r("DEL", "c", "nope", "d")  # 9
    r("GETDEL", "b")  # 10
    r("FLUSHDB")  # 11
    assert rec.events == [
        (1, b"set", b"a"),
        (3, b"incrby", b"a"),
        (4, b"decrby", b"a"),
        (5, b"append", b"a"),
        (6, b"set", b"b"),
        (6, b"expire", b"b"),
        (7, b"persist", b"b"),
        (8, b"set", b"c"),
        (8, b"set", b"d"),
        (9, b"del", b"c"),
        (9, b"del", b"d"),
        (10, b"del", b"b"),
        (11, b"flushdb", b""),
    ]
    assert r.m.revision == 11


def test_expiry_by_log_time_is_an_event_of_the_command_that_observed_it() -> None:
    r, rec = recorded()
    r("SET", "k", "v", "PX", "500")
    r.now += SEC
    r("EXISTS", "other")  # the sweep before this command expires k
    assert rec.events[-1] == (2, b"expired", b"k")


def test_rejected_commands_and_failed_transactions_yield_nothing() -> None:
    r, rec = recorded()
    r("SET", "k", "abc")
    del rec.events[:]
    r("SET", "k", "v", "EX", "nope")
    r("INCR", "k")
    r("SET", "k", "x" * 10, "BADOPT")
    r("MULTI-NOT-A-COMMAND", "k")
    assert rec.events == []


def test_restore_tells_the_sink_where_history_resumes() -> None:
    r, rec = recorded()
    r("SET", "a", "1")
    r("SET", "a", "2")
    other = KVMachine()
    other.event_sink = rec
    other.restore(r.m.snapshot())
    assert rec.resets == [2] and other.revision == 2
