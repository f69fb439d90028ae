"""The single-set commands: replies and errors (as redis-server 7.0 gives them), limits,
events, RESP3 forms, SSCAN over large sets, SPOP/SRANDMEMBER's draws."""

from __future__ import annotations

from rabia.kv import KVMachine
from tests.kv.conftest import Driver
from tests.kv.fakes import Client
from tests.kv.replies import p
from tests.kv.test_events import Recorder

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def test_add_remove_and_membership(r: Driver) -> None:
    assert p(r, "SADD", "s", "a", "b", "a") == 2
    assert p(r, "SADD", "s", "b", "c") == 1
    assert p(r, "SMEMBERS", "s") == [b"a", b"b", b"c"]  # insertion order
    assert p(r, "SISMEMBER", "s", "a") == 1 and p(r, "SISMEMBER", "s", "z") == 0
    assert p(r, "SISMEMBER", "none", "a") == 0
    assert p(r, "SMISMEMBER", "s", "a", "z") == [1, 0]
    assert p(r, "SMISMEMBER", "none", "a") == [0]
    assert p(r, "SCARD", "s") == 3 and p(r, "SCARD", "none") == 0
    assert p(r, "SREM", "s", "a", "z") == 1 and p(r, "SREM", "none", "a") == 0
    assert p(r, "TYPE", "s") == b"set"
    assert p(r, "SREM", "s", "b", "c") == 2 and p(r, "EXISTS", "s") == 0


def test_errors_and_wrong_types(r: Driver) -> None:
    r("APPEND", "str", "x")
    for args in (
        ["SADD", "str", "a"],
        ["SREM", "str", "a"],
        ["SISMEMBER", "str", "a"],
        ["SMISMEMBER", "str", "a"],
        ["SCARD", "str"],
        ["SPOP", "str"],
        ["SPOP", "str", "1"],
        ["SRANDMEMBER", "str", "2"],
        ["SSCAN", "str", "0"],
        ["SMOVE", "str", "t", "a"],
    ):
        assert r(*args) == WRONGTYPE, args
    assert r("SPOP", "none", "x") == b"-ERR value is out of range, must be positive\r\n"
    assert r("SPOP", "none", "-1") == b"-ERR value is out of range, must be positive\r\n"
    assert r("SPOP", "none", "1", "2") == b"-ERR syntax error\r\n"
    assert r("SRANDMEMBER", "none", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert r("SADD", "s") == b"-ERR wrong number of arguments for 'sadd' command\r\n"


def test_smove(r: Driver) -> None:
    r("SADD", "s", "a", "b")
    r("APPEND", "str", "x")
    assert p(r, "SMOVE", "none", "str", "a") == 0  # no source: the destination is not read
    assert r("SMOVE", "s", "str", "a") == WRONGTYPE
    assert p(r, "SMOVE", "s", "s", "a") == 1 and p(r, "SMOVE", "s", "s", "z") == 0
    assert p(r, "SMOVE", "s", "t", "z") == 0
    assert p(r, "SMOVE", "s", "t", "a") == 1
    assert p(r, "SMEMBERS", "t") == [b"a"] and p(r, "SMEMBERS", "s") == [b"b"]
    assert p(r, "SMOVE", "s", "t", "b") == 1 and p(r, "EXISTS", "s") == 0


def test_spop_and_srandmember(r: Driver) -> None:
    members = [b"m%d" % i for i in range(10)]
    r("SADD", "s", *members)
    one = p(r, "SPOP", "s")
    assert one in members and p(r, "SISMEMBER", "s", one) == 0  # type: ignore[arg-type]
    three = p(r, "SPOP", "s", "3")
    assert isinstance(three, list) and len(set(three)) == 3 and p(r, "SCARD", "s") == 6
    assert p(r, "SPOP", "s", "0") == [] and p(r, "SPOP", "none", "3") == []
    assert p(r, "SPOP", "none") is None
    left = p(r, "SMEMBERS", "s")
    assert isinstance(left, list) and set(left) | set(three) | {one} == set(members)
    some = p(r, "SRANDMEMBER", "s", "4")
    assert isinstance(some, list) and len(set(some)) == 4 and set(some) <= set(left)
    assert p(r, "SRANDMEMBER", "s", "100") == left
    repeated = p(r, "SRANDMEMBER", "s", "-20")
    assert isinstance(repeated, list) and len(repeated) == 20 and set(repeated) <= set(left)
    assert p(r, "SRANDMEMBER", "s") in left and p(r, "SRANDMEMBER", "none") is None
    assert p(r, "SPOP", "s", "100") == left and p(r, "EXISTS", "s") == 0
    big = Driver()
    big("SADD", "s", *[b"%d" % i for i in range(1000)])
    assert len(p(big, "SPOP", "s", "10")) == 10  # type: ignore[arg-type]
    assert p(big, "SCARD", "s") == 990 and p(big, "SRANDMEMBER", "s", "1") != []


def test_limits() -> None:
    r = Driver(KVMachine(max_value_size=2, max_keys=1))
    assert (
        r("SADD", "s", "abc")
        == b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    )
    assert p(r, "SADD", "s", "a") == 1
    assert r("SADD", "t", "a") == b"-ERR max number of keys reached\r\n"
    assert r("SMOVE", "s", "t", "a") == b"-ERR max number of keys reached\r\n"
    assert p(r, "SMEMBERS", "s") == [b"a"]


def test_events_are_named_as_redis_names_them() -> None:
    r, rec = Driver(), Recorder()
    r.m.event_sink = rec
    r("SADD", "s", "a", "b", "c")  # 1
    r("SADD", "s", "a")  # 2: nothing
    r("SREM", "s", "a")  # 3
    r("SMOVE", "s", "t", "b")  # 4
    r("SPOP", "s")  # 5: the last member
    r("SPOP", "t", "5")  # 6
    assert rec.events == [
        (1, b"sadd", b"s"),
        (3, b"srem", b"s"),
        (4, b"srem", b"s"),
        (4, b"sadd", b"t"),
        (5, b"spop", b"s"),
        (5, b"del", b"s"),
        (6, b"spop", b"t"),
        (6, b"del", b"t"),
    ]


def test_resp3_forms() -> None:
    c = Client()
    c("HELLO 3")
    c("SADD s a b")
    assert c("SPOP none 2") == b"~0\r\n"
    assert c("SMISMEMBER s a z") == b"*2\r\n:1\r\n:0\r\n"
    assert c("SRANDMEMBER s 5") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert c("SPOP s 5") == b"~2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert c("SPOP s") == b"_\r\n"


def test_sscan_small_at_once_large_by_cursor(r: Driver) -> None:
    r("SADD", "s", "a", "b", "c")
    assert p(r, "SSCAN", "s", "9", "COUNT", "1") == [b"0", [b"a", b"b", b"c"]]
    assert p(r, "SSCAN", "s", "0", "MATCH", "b") == [b"0", [b"b"]]
    assert r("SSCAN", "s", "0", "NOVALUES") == b"-ERR syntax error\r\n"
    assert r("SSCAN", "s", " 1") == b"-ERR invalid cursor\r\n"
    assert p(r, "SSCAN", "s", "-1") == [b"0", [b"a", b"b", b"c"]]
    members = {b"member:%d" % i for i in range(500)}
    r("SADD", "big", *sorted(members))
    seen: list[bytes] = []
    cursor = b"0"
    for calls in range(1000):
        reply = p(r, "SSCAN", "big", cursor, "COUNT", "50")
        assert isinstance(reply, list)
        cursor, batch = reply
        assert isinstance(batch, list)
        seen += batch
        if calls == 2:
            r("SREM", "big", "member:1")
            r("SADD", "big", "member:new")
            members.discard(b"member:1")
        if cursor == b"0":
            break
    assert calls > 5 and members <= set(seen)
    assert len(seen) == len(set(seen))  # a member present all along comes once
