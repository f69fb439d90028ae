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


def test_events_of_the_string_key_and_bitmap_commands() -> None:
    r, rec = recorded()
    steps: list[tuple[list[str], list[tuple[bytes, bytes]]]] = [
        (["SETEX", "a", "10", "v"], [(b"set", b"a"), (b"expire", b"a")]),
        (["GETEX", "a", "PERSIST"], [(b"persist", b"a")]),
        (["GETEX", "a", "PX", "500"], [(b"expire", b"a")]),
        (["GETEX", "a", "EXAT", "1"], [(b"del", b"a")]),
        (["GETSET", "a", "1"], [(b"set", b"a")]),
        (["SETNX", "a", "2"], []),
        (["MSETNX", "b", "1", "c", "2"], [(b"set", b"b"), (b"set", b"c")]),
        (["INCRBYFLOAT", "a", "1.5"], [(b"incrbyfloat", b"a")]),
        (["SETRANGE", "a", "0", "x"], [(b"setrange", b"a")]),
        (["SETBIT", "a", "1", "1"], []),  # already 1 ("x"): no change, no event
        (["SETBIT", "a", "1", "0"], [(b"setbit", b"a")]),
        (["BITFIELD", "a", "SET", "u8", "0", "1"], [(b"setbit", b"a")]),
        (["BITOP", "NOT", "d", "a"], [(b"set", b"d")]),
        (["BITOP", "AND", "d", "none"], [(b"del", b"d")]),
        (["RENAME", "b", "e"], [(b"rename_from", b"b"), (b"rename_to", b"e")]),
        (["COPY", "e", "f"], [(b"copy_to", b"f")]),
        (["PEXPIREAT", "f", str(r.now // 1000 + 10_000)], [(b"expire", b"f")]),
        (["UNLINK", "f"], [(b"del", b"f")]),
        (["FLUSHALL"], [(b"flushdb", b"")]),
    ]
    for command, expected in steps:
        before = len(rec.events)
        r(*command)
        assert [(e, k) for _, e, k in rec.events[before:]] == expected, command
