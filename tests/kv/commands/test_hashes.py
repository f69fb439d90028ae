"""The hash commands: replies and errors (as redis-server 7.0 gives them), limits,
events, RESP3 forms, HSCAN over large hashes, HRANDFIELD's draws."""

from __future__ import annotations

from rabia.kv import KVMachine
from tests.kv.conftest import Driver
from tests.kv.fakes import Client
from tests.kv.replies import p
from tests.kv.test_events import Recorder

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def test_set_get_and_friends(r: Driver) -> None:
    assert p(r, "HSET", "h", "a", "1", "b", "2") == 2
    assert p(r, "HSET", "h", "a", "3", "c", "4") == 1
    assert p(r, "HMSET", "h", "d", "5") == b"OK"
    assert p(r, "HSETNX", "h", "a", "9") == 0
    assert p(r, "HSETNX", "h", "e", "6") == 1
    assert p(r, "HGET", "h", "a") == b"3"
    assert p(r, "HGET", "h", "zz") is None and p(r, "HGET", "none", "a") is None
    assert p(r, "HMGET", "h", "a", "zz", "b") == [b"3", None, b"2"]
    assert p(r, "HMGET", "none", "a") == [None]
    assert p(r, "HGETALL", "h") == [b"a", b"3", b"b", b"2", b"c", b"4", b"d", b"5", b"e", b"6"]
    assert p(r, "HKEYS", "h") == [b"a", b"b", b"c", b"d", b"e"]  # insertion order
    assert p(r, "HVALS", "h") == [b"3", b"2", b"4", b"5", b"6"]
    assert p(r, "HLEN", "h") == 5 and p(r, "HLEN", "none") == 0
    assert p(r, "HSTRLEN", "h", "a") == 1 and p(r, "HSTRLEN", "h", "zz") == 0
    assert p(r, "HEXISTS", "h", "a") == 1 and p(r, "HEXISTS", "h", "zz") == 0
    assert p(r, "HGETALL", "none") == [] and p(r, "HKEYS", "none") == []
    assert p(r, "HDEL", "h", "a", "zz", "b") == 2
    assert p(r, "HDEL", "none", "a") == 0
    assert p(r, "TYPE", "h") == b"hash"
    assert p(r, "HDEL", "h", "c", "d", "e") == 3
    assert p(r, "EXISTS", "h") == 0  # emptied: removed


def test_errors_and_wrong_types(r: Driver) -> None:
    r("APPEND", "s", "x")
    for args in (
        ["HSET", "s", "a", "1"],
        ["HGET", "s", "a"],
        ["HMGET", "s", "a"],
        ["HGETALL", "s"],
        ["HDEL", "s", "a"],
        ["HLEN", "s"],
        ["HINCRBY", "s", "a", "1"],
        ["HINCRBYFLOAT", "s", "a", "1"],
        ["HRANDFIELD", "s"],
        ["HSCAN", "s", "0"],
    ):
        assert r(*args) == WRONGTYPE, args
    assert r("HSET", "h", "a") == b"-ERR wrong number of arguments for 'hset' command\r\n"
    assert (
        r("HMSET", "h", "a", "1", "b") == b"-ERR wrong number of arguments for 'hmset' command\r\n"
    )
    assert p(r, "HSET", "h", "n", "1", "s", "abc", "f", "1.5") == 3
    assert r("HINCRBY", "h", "n", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert r("HINCRBY", "h", "s", "1") == b"-ERR hash value is not an integer\r\n"
    assert r("HINCRBY", "h", "f", "1") == b"-ERR hash value is not an integer\r\n"
    assert r("HINCRBY", "h", "n", "9223372036854775807") == (
        b"-ERR increment or decrement would overflow\r\n"
    )
    assert r("HINCRBYFLOAT", "h", "n", "x") == b"-ERR value is not a valid float\r\n"
    assert r("HINCRBYFLOAT", "h", "n", "inf") == b"-ERR value is NaN or Infinity\r\n"
    assert r("HINCRBYFLOAT", "h", "s", "1") == b"-ERR hash value is not a float\r\n"
    assert r("HINCRBYFLOAT", "h", "n", "1.2e4932") == b"-ERR value is not a valid float\r\n"
    assert p(r, "HSET", "h", "big", "1e4932") == 1
    assert r("HINCRBYFLOAT", "h", "big", "1e4932") == (
        b"-ERR increment would produce NaN or Infinity\r\n"
    )
    assert p(r, "HGETALL", "h") == [b"n", b"1", b"s", b"abc", b"f", b"1.5", b"big", b"1e4932"]


def test_increments(r: Driver) -> None:
    assert p(r, "HINCRBY", "h", "n", "5") == 5
    assert p(r, "HINCRBY", "h", "n", "-7") == -2
    assert p(r, "HINCRBYFLOAT", "h", "f", "10.5") == b"10.5"
    assert p(r, "HINCRBYFLOAT", "h", "f", "0.1") == b"10.6"  # long double, as Redis
    assert p(r, "HINCRBYFLOAT", "h", "n", "0x10") == b"14"
    assert p(r, "HINCRBYFLOAT", "h", "f", "-10.6") == b"0"
    assert p(r, "HGET", "h", "f") == b"0"


def test_limits_refuse_before_changing_anything() -> None:
    r = Driver(KVMachine(max_value_size=4, max_keys=1, max_key_size=3))
    assert (
        r("HSET", "h", "a", "12345")
        == b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    )
    assert r("HSET", "long", "a", "1") == b"-ERR key exceeds maximum allowed size\r\n"
    assert p(r, "HSET", "h", "a", "1") == 1
    assert r("HSET", "h2", "a", "1") == b"-ERR max number of keys reached\r\n"
    assert r("HINCRBY", "h2", "a", "1") == b"-ERR max number of keys reached\r\n"
    assert p(r, "HSET", "h", "b", "1") == 1  # an existing key may grow
    assert p(r, "DBSIZE") == 1


def test_events_are_named_as_redis_names_them() -> None:
    r, rec = Driver(), Recorder()
    r.m.event_sink = rec
    r("HSET", "h", "a", "1")  # 1
    r("HSETNX", "h", "a", "2")  # 2: nothing
    r("HINCRBY", "h", "n", "1")  # 3
    r("HINCRBYFLOAT", "h", "n", "1.5")  # 4
    r("HDEL", "h", "zz")  # 5: nothing
    r("HDEL", "h", "a", "n")  # 6
    r("HMSET", "g", "a", "1")  # 7
    assert rec.events == [
        (1, b"hset", b"h"),
        (3, b"hincrby", b"h"),
        (4, b"hincrbyfloat", b"h"),
        (6, b"hdel", b"h"),
        (6, b"del", b"h"),
        (7, b"hset", b"g"),
    ]


def test_resp3_forms() -> None:
    c = Client()
    c("HELLO 3")
    assert c("HSET h a 1 b 2") == b":2\r\n"
    assert c("HGETALL h") == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert c("HGETALL none") == b"%0\r\n"
    assert c("HRANDFIELD h 5 WITHVALUES") == (
        b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    )
    assert c("HRANDFIELD h 5") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert c("HINCRBYFLOAT h f 1.5") == b"$3\r\n1.5\r\n"  # stays a bulk string
    assert c("HGET h none") == b"_\r\n"


def test_hscan_small_at_once_large_by_cursor(r: Driver) -> None:
    r("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert p(r, "HSCAN", "h", "123", "COUNT", "1") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    assert p(r, "HSCAN", "h", "0", "MATCH", "[ab]") == [b"0", [b"a", b"1", b"b", b"2"]]
    assert p(r, "HSCAN", "h", "0", "NOVALUES") == [b"0", [b"a", b"b", b"c"]]  # Redis 7.4
    assert r("HSCAN", "h", "x") == b"-ERR invalid cursor\r\n"
    assert r("HSCAN", "h", "0", "COUNT", "0") == b"-ERR syntax error\r\n"
    assert r("HSCAN", "h", "0", "TYPE", "hash") == b"-ERR syntax error\r\n"
    assert p(r, "HSCAN", "none", "0", "BAD") == [b"0", []]  # options unread, as Redis
    fields = {b"f%d" % i: b"%d" % i for i in range(300)}
    r("HSET", "big", *[x for pair in fields.items() for x in pair])
    seen: dict[bytes, bytes] = {}
    cursor, calls = b"0", 0
    while True:
        reply = p(r, "HSCAN", "big", cursor, "COUNT", "20")
        assert isinstance(reply, list)
        cursor, batch = reply
        assert isinstance(batch, list) and len(batch) >= 40
        seen.update(zip(batch[0::2], batch[1::2], strict=True))
        calls += 1
        if calls == 3:  # changes meanwhile do not hide what stays
            r("HDEL", "big", "f1", "f2")
            r("HSET", "big", "new", "x")
            del fields[b"f1"], fields[b"f2"]
        if cursor == b"0":
            break
    assert calls > 5 and all(seen.get(f) == v for f, v in fields.items())


def test_hrandfield_draws_from_the_entry_and_keeps_redis_shapes(r: Driver) -> None:
    r("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert p(r, "HRANDFIELD", "h") in (b"a", b"b", b"c")
    two = p(r, "HRANDFIELD", "h", "2")
    assert isinstance(two, list) and len(set(two)) == 2 and set(two) <= {b"a", b"b", b"c"}
    assert sorted(p(r, "HRANDFIELD", "h", "10")) == [b"a", b"b", b"c"]  # type: ignore[type-var]
    many = p(r, "HRANDFIELD", "h", "-10", "WITHVALUES")
    assert isinstance(many, list) and len(many) == 20
    pairs = zip(many[0::2], many[1::2], strict=True)
    assert all({b"a": b"1", b"b": b"2", b"c": b"3"}[f] == v for f, v in pairs)
    assert p(r, "HRANDFIELD", "h", "0") == [] and p(r, "HRANDFIELD", "none", "3") == []
    assert p(r, "HRANDFIELD", "none") is None
    assert r("HRANDFIELD", "h", "1", "X") == b"-ERR syntax error\r\n"
    assert r("HRANDFIELD", "h", "-9223372036854775808") == (
        b"-ERR value is out of range, value must between"
        b" -9223372036854775807 and 9223372036854775807\r\n"
    )
    assert r("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES") == (
        b"-ERR value is out of range\r\n"
    )
    one, two = Driver(), Driver()
    for d in (one, two):
        d("HSET", "h", *[b"f%d" % i for i in range(100)])
    draws = [one("HRANDFIELD", "h", "-5") for _ in range(5)]
    assert draws == [two("HRANDFIELD", "h", "-5") for _ in range(5)]  # same entries, same draws
    assert len(set(draws)) > 1
