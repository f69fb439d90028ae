"""List commands on one key, applied by the machine: replies, errors, events, limits,
revisions and snapshots (redis-server itself is the oracle in tests/differential)."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine
from tests.kv.conftest import SEC, Driver
from tests.kv.replies import RespError, p

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[bytes, bytes]] = []

    def publish(self, revision: int, events: list[tuple[bytes, bytes]]) -> None:
        self.events += events

    def reset(self, revision: int) -> None:
        pass


def recorded(r: Driver) -> Recorder:
    rec = Recorder()
    r.m.event_sink = rec
    return rec


def test_push_pop_and_read(r: Driver) -> None:
    assert p(r, "RPUSH", "l", "a", "b", "c") == 3
    assert p(r, "LPUSH", "l", "x", "y") == 5
    assert p(r, "LRANGE", "l", "0", "-1") == [b"y", b"x", b"a", b"b", b"c"]
    assert p(r, "LLEN", "l") == 5
    assert p(r, "LINDEX", "l", "-1") == b"c"
    assert p(r, "LINDEX", "l", "5") is None
    assert p(r, "LPOP", "l") == b"y"
    assert p(r, "RPOP", "l", "2") == [b"c", b"b"]
    assert p(r, "LPOP", "l", "0") == []
    assert p(r, "LPOP", "l", "9") == [b"x", b"a"]
    assert p(r, "EXISTS", "l") == 0 and p(r, "TYPE", "l") == b"none"
    assert r("LPOP", "l") == b"$-1\r\n" and r("LPOP", "l", "1") == b"*-1\r\n"
    assert p(r, "LPUSHX", "l", "a") == 0 and p(r, "RPUSHX", "l", "a") == 0
    assert p(r, "RPUSH", "l", "a") == 1 and p(r, "RPUSHX", "l", "b", "c") == 3
    assert p(r, "LLEN", "none") == 0 and p(r, "LRANGE", "none", "0", "-1") == []


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        *[("0", "-1", "abcde"), ("1", "2", "bc"), ("-2", "100", "de"), ("-100", "0", "a")],
        *[("3", "1", ""), ("5", "9", ""), ("0", "-6", "")],
    ],
)
def test_lrange_and_ltrim_bounds(r: Driver, start: str, stop: str, expected: str) -> None:
    r("RPUSH", "l", *"abcde")
    assert p(r, "LRANGE", "l", start, stop) == [c.encode() for c in expected]
    assert r("LTRIM", "l", start, stop) == b"+OK\r\n"
    assert p(r, "LRANGE", "l", "0", "-1") == [c.encode() for c in expected]
    assert p(r, "EXISTS", "l") == (1 if expected else 0)


def test_errors_in_redis_order(r: Driver) -> None:
    r("SET", "s", "v")
    for args in (["LPUSH", "s", "a"], ["LLEN", "s"], ["LPOP", "s", "0"], ["LINDEX", "s", "x"]):
        assert r(*args) == WRONGTYPE, args
    assert r("LPOP", "s", "-1") == b"-ERR value is out of range, must be positive\r\n"
    assert r("LPOP", "l", "1", "2") == b"-ERR wrong number of arguments for 'lpop' command\r\n"
    assert r("LRANGE", "s", "a", "0") == NOT_INT  # the indexes first, then the key
    assert r("LINDEX", "nokey", "x") == b"$-1\r\n"  # the key first, then the index
    assert r("LSET", "nokey", "x", "v") == b"-ERR no such key\r\n"
    assert r("LINSERT", "s", "MIDDLE", "a", "b") == SYNTAX
    assert r("LINSERT", "nokey", "BEFORE", "a", "b") == b":0\r\n"
    assert r("LTRIM", "nokey", "0", "1") == b"+OK\r\n"
    r("RPUSH", "l", "a")
    assert r("LSET", "l", "1", "v") == b"-ERR index out of range\r\n"
    assert r("LSET", "l", "x", "v") == NOT_INT
    assert r("LREM", "l", "x", "a") == NOT_INT


def test_refused_commands_change_nothing(r: Driver) -> None:
    r("SET", "s", "v")
    r("RPUSH", "l", "a")
    for refused in (
        ["LPUSH", "s", "a"],
        ["LMOVE", "l", "s", "LEFT", "LEFT"],
        ["LSET", "l", "x", "v"],
    ):
        twin = KVMachine()
        twin.restore(r.m.snapshot())
        assert r(*refused).startswith(b"-")
        Driver(twin)("GET", "other")  # the same revision and log time, nothing else
        assert twin.snapshot() == r.m.snapshot(), refused


def test_linsert_lset_lrem(r: Driver) -> None:
    r("RPUSH", "l", "a", "b", "a", "c", "a")
    assert p(r, "LINSERT", "l", "before", "a", "x") == 6
    assert p(r, "LINSERT", "l", "AFTER", "c", "y") == 7
    assert p(r, "LINSERT", "l", "AFTER", "zz", "y") == -1
    assert p(r, "LSET", "l", "-1", "z") == b"OK"
    assert p(r, "LRANGE", "l", "0", "-1") == [b"x", b"a", b"b", b"a", b"c", b"y", b"z"]
    assert p(r, "LREM", "l", "-1", "a") == 1
    assert p(r, "LRANGE", "l", "0", "-1") == [b"x", b"a", b"b", b"c", b"y", b"z"]
    assert p(r, "LREM", "l", "0", "nope") == 0
    r("RPUSH", "m", "a", "a")
    assert p(r, "LREM", "m", "0", "a") == 2 and p(r, "EXISTS", "m") == 0


def test_lpos(r: Driver) -> None:
    r("RPUSH", "l", *"abcabcab")
    assert p(r, "LPOS", "l", "b") == 1
    assert p(r, "LPOS", "l", "b", "RANK", "2") == 4
    assert p(r, "LPOS", "l", "b", "RANK", "-1") == 7
    assert p(r, "LPOS", "l", "b", "COUNT", "0") == [1, 4, 7]
    assert p(r, "LPOS", "l", "b", "RANK", "-2", "COUNT", "5") == [4, 1]
    assert p(r, "LPOS", "l", "c", "MAXLEN", "3") == 2
    assert p(r, "LPOS", "l", "c", "MAXLEN", "2") is None
    assert p(r, "LPOS", "l", "z", "COUNT", "2") == []
    assert p(r, "LPOS", "nokey", "z") is None and p(r, "LPOS", "nokey", "z", "COUNT", "1") == []
    assert p(r, "LPOS", "l", "b", "RANK", "-9223372036854775808") == 7  # Redis's wrap
    assert p(r, "LPOS", "l", "b", "RANK", "-9223372036854775808", "COUNT", "1") == [7, 4, 1]
    with pytest.raises(RespError, match="RANK can't be zero"):
        p(r, "LPOS", "l", "b", "RANK", "0")
    for option, message in (("COUNT", "COUNT can't be negative"), ("MAXLEN", "MAXLEN can't")):
        with pytest.raises(RespError, match=message):
            p(r, "LPOS", "l", "b", option, "-1")
    assert r("LPOS", "l", "b", "RANK") == SYNTAX
    assert r("LPOS", "l", "b", "FOO", "1") == SYNTAX


def test_events_in_redis_order(r: Driver) -> None:
    rec = recorded(r)
    r("RPUSH", "l", "a", "b", "c")
    r("LPUSH", "l", "z")
    r("LPUSHX", "nokey", "z")  # nothing
    r("LSET", "l", "0", "y")
    r("LINSERT", "l", "AFTER", "y", "x")
    r("LINSERT", "l", "AFTER", "nope", "x")  # nothing
    r("LREM", "l", "1", "x")
    r("LREM", "l", "1", "nope")  # nothing
    r("LTRIM", "l", "0", "-1")  # an event all the same, as Redis
    r("LPOP", "l")
    r("RPOP", "l", "5")
    r("RPUSH", "m", "a")
    r("LTRIM", "m", "1", "0")
    assert rec.events == [
        *[(b"rpush", b"l"), (b"lpush", b"l"), (b"lset", b"l"), (b"linsert", b"l")],
        *[(b"lrem", b"l"), (b"ltrim", b"l"), (b"lpop", b"l"), (b"rpop", b"l"), (b"del", b"l")],
        *[(b"rpush", b"m"), (b"ltrim", b"m"), (b"del", b"m")],
    ]


def test_revisions_move_only_on_change(r: Driver) -> None:
    def revision(key: str) -> int:
        reply = p(r, "WATCHREV", key)
        assert isinstance(reply, list) and isinstance(reply[0], int)
        return reply[0]

    r("RPUSH", "l", "a", "b")
    last = revision("l")
    for read in (["LRANGE", "l", "0", "-1"], ["LINSERT", "l", "AFTER", "zz", "x"], ["LLEN", "l"]):
        r(*read)
        assert revision("l") == last, read
    r("LSET", "l", "0", "c")
    assert revision("l") > last


def test_ttl_survives_changes(r: Driver) -> None:
    r("RPUSH", "l", "a", "b")
    r("EXPIRE", "l", "100")
    r("LPUSH", "l", "c")
    r("LPOP", "l")
    assert p(r, "TTL", "l") == 100
    r.now += 101 * SEC
    assert p(r, "LLEN", "l") == 0
    assert p(r, "RPUSH", "l", "x") == 1 and p(r, "TTL", "l") == -1


def test_limits_refuse_and_change_nothing() -> None:
    r = Driver(KVMachine(max_value_size=4, max_keys=2, max_key_size=8))
    big = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    assert r("RPUSH", "l", "ok", "toolong") == big and p(r, "EXISTS", "l") == 0
    assert r("RPUSH", "k" * 9, "a") == b"-ERR key exceeds maximum allowed size\r\n"
    r("RPUSH", "l", "a")
    r("SET", "s", "v")
    assert r("LPUSH", "m", "a") == b"-ERR max number of keys reached\r\n"
    assert p(r, "LPUSH", "l", "b") == 2  # an existing list still grows
    assert r("LSET", "l", "0", "toolong") == big
    assert r("LINSERT", "l", "BEFORE", "a", "toolong") == big
    assert p(r, "LRANGE", "l", "0", "-1") == [b"b", b"a"]


def test_snapshot_round_trip(r: Driver) -> None:
    r("RPUSH", "small", "a", "b")
    r("RPUSH", "big", *[b"%d" % i for i in range(3000)])
    r("LPUSH", "big", *[b"x" * 9000, b"y"])
    r("EXPIRE", "small", "50")
    twin = KVMachine()
    twin.restore(r.m.snapshot())
    assert twin.snapshot() == r.m.snapshot()
    other = Driver(twin)
    assert other("LRANGE", "big", "0", "-1") == r("LRANGE", "big", "0", "-1")
    assert p(other, "TTL", "small") == 50 and p(other, "TYPE", "big") == b"list"
    assert other("LPOP", "big", "3") == r("LPOP", "big", "3")
    assert other("LRANGE", "big", "0", "-1") == r("LRANGE", "big", "0", "-1")
