"""Stream entry commands applied by the machine: IDs from the log time, limits, events,
the election-key guard, snapshots. (Replies are checked against redis-server in
tests/differential/test_streams.py.)"""

from __future__ import annotations

from rabia.kv import KVMachine
from rabia.kv.commands.context import ERR_ELECTION_KEY
from tests.kv.conftest import SEC, Driver
from tests.kv.replies import p
from tests.kv.test_events import recorded

MS = 1_000


def test_star_ids_come_from_the_log_time(r: Driver) -> None:
    base = r.now // MS
    assert p(r, "XADD", "s", "*", "f", "v") == b"%d-0" % base
    assert p(r, "XADD", "s", "*", "f", "v") == b"%d-1" % base  # same millisecond
    r.now += 999  # still the same millisecond of log time
    assert p(r, "XADD", "s", "*", "f", "v") == b"%d-2" % base
    r.now += 1
    assert p(r, "XADD", "s", "*", "f", "v") == b"%d-0" % (base + 1)
    assert p(r, "XADD", "s", f"{base + 1}-*", "f", "v") == b"%d-1" % (base + 1)
    r.now -= 5 * SEC  # a proposer's clock behind: the log time never goes back
    assert p(r, "XADD", "s", "*", "f", "v") == b"%d-2" % (base + 1)


def test_two_machines_make_the_same_ids_and_snapshots() -> None:
    a, b = Driver(), Driver(KVMachine())
    for r in (a, b):
        for step in range(300):
            r.now += step % 3 * 400
            r("XADD", "s", "MAXLEN", "~", "150", "*", "f", str(step))
            if step % 7 == 0:
                first = p(r, "XRANGE", "s", "-", "+", "COUNT", "1")
                assert isinstance(first, list) and isinstance(first[0], list)
                r("XDEL", "s", first[0][0])  # type: ignore[arg-type]
        r("XGROUP", "CREATE", "s", "g", "0")
        r("XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "s", ">")
    assert a("XRANGE", "s", "-", "+") == b("XRANGE", "s", "-", "+")
    assert a.m.snapshot() == b.m.snapshot()


def test_snapshot_round_trip(r: Driver) -> None:
    r("XADD", "s", "1", "f", "v", "g", "w")
    r("XADD", "s", "2", "other", "x")
    r("XADD", "empty", "1", "f", "v")
    r("XDEL", "empty", "1")
    r("XGROUP", "CREATE", "s", "g", "0")
    r("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    r("XGROUP", "CREATECONSUMER", "s", "g", "bob")
    r("PEXPIRE", "s", "100000")
    twin = Driver(KVMachine())
    twin.m.restore(r.m.snapshot())
    twin.now = r.now
    assert twin.m.snapshot() == r.m.snapshot()
    for command in (
        ["XRANGE", "s", "-", "+"],
        ["XINFO", "STREAM", "s", "FULL"],
        ["XINFO", "STREAM", "empty"],
        ["XPENDING", "s", "g", "-", "+", "10"],
        ["TYPE", "empty"],
        ["PTTL", "s"],
    ):
        assert twin(*command) == r(*command), command
    assert twin("XADD", "s", "*", "f", "v") == r("XADD", "s", "*", "f", "v")


def test_an_empty_stream_stays(r: Driver) -> None:
    r("XADD", "s", "1", "f", "v")
    assert r("XDEL", "s", "1") == b":1\r\n"
    assert p(r, "TYPE", "s") == b"stream" and p(r, "EXISTS", "s") == 1
    assert r("XADD", "s", "1", "f", "v").startswith(b"-ERR The ID")  # the last ID stays
    assert r("XTRIM", "s", "MAXLEN", "0") == b":0\r\n" and p(r, "XLEN", "s") == 0
    assert p(r, "SCAN", "0", "TYPE", "stream") == [b"0", [b"s"]]
    assert p(r, "DEL", "s") == 1 and p(r, "XLEN", "s") == 0


def test_limits_refuse_before_changing_anything() -> None:
    r = Driver(KVMachine(max_key_size=8, max_value_size=10, max_keys=1))
    too_big = b"-ERR Elements are too large to be stored\r\n"
    assert r("XADD", "s", "1", "field", "value!") == too_big
    assert r("XADD", "s", "1", "f", "v") == b"$3\r\n1-0\r\n"
    assert r("XADD", "s", "2", "field", "value!") == too_big
    assert r("XADD", "other", "1", "f", "v") == b"-ERR max number of keys reached\r\n"
    assert r("XADD", "s", "NOMKSTREAM", "3", "f", "v") == b"$3\r\n3-0\r\n"
    assert r("XADD", "no", "NOMKSTREAM", "*", "f", "v") == b"$-1\r\n"
    assert r("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM") == (
        b"-ERR max number of keys reached\r\n"
    )
    assert r("XADD", "a-long-key", "1", "f", "v") == b"-ERR key exceeds maximum allowed size\r\n"
    assert p(r, "DBSIZE") == 1 and p(r, "XLEN", "s") == 2


def test_events_are_named_as_redis_names_them() -> None:
    r, rec = recorded()
    r("XADD", "s", "MAXLEN", "1", "1", "f", "v")  # 1
    r("XADD", "s", "MAXLEN", "1", "2", "f", "v")  # 2: added, then trimmed
    r("XDEL", "s", "9")  # 3: nothing
    r("XDEL", "s", "2")  # 4
    r("XTRIM", "s", "MAXLEN", "0")  # 5: nothing left to trim
    r("XSETID", "s", "5")  # 6
    r("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM")  # 7: only xgroup-create
    r("XGROUP", "SETID", "t", "g", "0")  # 8
    r("XGROUP", "CREATECONSUMER", "t", "g", "c")  # 9
    r("XADD", "t", "1", "f", "v")  # 10
    r("XREADGROUP", "GROUP", "g", "d", "STREAMS", "t", ">")  # 11: d is created
    r("XCLAIM", "t", "g", "e", "0", "1")  # 12: e is created
    r("XGROUP", "DELCONSUMER", "t", "g", "c")  # 13
    r("XGROUP", "DESTROY", "t", "g")  # 14
    assert [(rev, event) for rev, event, _ in rec.events] == [
        (1, b"xadd"),
        (2, b"xadd"),
        (2, b"xtrim"),
        (4, b"xdel"),
        (6, b"xsetid"),
        (7, b"xgroup-create"),
        (8, b"xgroup-setid"),
        (9, b"xgroup-createconsumer"),
        (10, b"xadd"),
        (11, b"xgroup-createconsumer"),
        (12, b"xgroup-createconsumer"),
        (13, b"xgroup-delconsumer"),
        (14, b"xgroup-destroy"),
    ]


def test_election_keys_are_written_only_by_elections(r: Driver) -> None:
    key = "__election__:x"
    assert r("XADD", key, "*", "f", "v") == ERR_ELECTION_KEY
    assert r("XGROUP", "CREATE", key, "g", "$", "MKSTREAM") == ERR_ELECTION_KEY
    assert r("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", key, ">", ">") == ERR_ELECTION_KEY
    assert r("XRANGE", key, "-", "+") == b"*0\r\n"  # reads are fine
    assert p(r, "EXISTS", key) == 0


def test_modifications_stamp_the_key_revision(r: Driver) -> None:
    r("XADD", "s", "1", "f", "v")
    watched = r.m._context.keyspace.key_revision(b"s")
    r("XRANGE", "s", "-", "+")
    assert r.m._context.keyspace.key_revision(b"s") == watched
    r("XGROUP", "CREATE", "s", "g", "0")
    assert r.m._context.keyspace.key_revision(b"s") > watched
