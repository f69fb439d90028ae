"""RENAME, RENAMENX, COPY, RANDOMKEY and OBJECT applied by the machine."""

from __future__ import annotations

from rabia.kv import KVMachine
from tests.kv.commands.fake_values import FakeList, put
from tests.kv.conftest import Driver
from tests.kv.fakes import FakeLog

NO_KEY = b"-ERR no such key\r\n"


def test_rename_moves_value_and_ttl(r: Driver) -> None:
    r("SET", "a", "1", "EX", "100")
    r("SET", "b", "2")
    assert r("RENAME", "a", "b") == b"+OK\r\n"
    assert r("GET", "b") == b"$1\r\n1\r\n"
    assert r("TTL", "b") == b":100\r\n"
    assert r("EXISTS", "a") == b":0\r\n"
    assert r("RENAME", "a", "c") == NO_KEY
    assert r("RENAME", "b", "b") == b"+OK\r\n"
    assert r("RENAMENX", "b", "b") == b":0\r\n"
    r("SET", "c", "3")
    assert r("RENAMENX", "b", "c") == b":0\r\n"
    assert r("RENAMENX", "b", "d") == b":1\r\n"
    assert r("MGET", "b", "c", "d") == b"*3\r\n$-1\r\n$1\r\n3\r\n$1\r\n1\r\n"
    put(r, "l", FakeList([b"x"]))
    assert r("RENAME", "l", "m") == b"+OK\r\n"
    assert r("TYPE", "m") == b"+list\r\n"


def test_rename_events_and_election_keys() -> None:
    log = FakeLog()
    r = Driver(log.machine)
    r("SET", "a", "1")
    r("RENAME", "a", "b")
    events = [event for _, batch in log.hub.replay(1) for event in batch]
    assert events[-2:] == [(b"rename_from", b"a"), (b"rename_to", b"b")]
    assert r("RENAME", "b", "__election__:x").startswith(b"-ERR keys starting with")


def test_copy(r: Driver) -> None:
    r("SET", "a", "1", "PX", "5000")
    assert r("COPY", "a", "b") == b":1\r\n"
    assert r("PTTL", "b") == b":5000\r\n"
    assert r("COPY", "a", "b") == b":0\r\n"
    r("SET", "a", "2")
    assert r("COPY", "a", "b", "REPLACE", "DB", "0") == b":1\r\n"
    assert r("GET", "b") == b"$1\r\n2\r\n"
    assert r("PTTL", "b") == b":-1\r\n"
    assert r("COPY", "none", "b") == b":0\r\n"
    assert r("COPY", "a", "a") == b"-ERR source and destination objects are the same\r\n"
    assert r("COPY", "a", "b", "DB", "1") == b"-ERR DB index is out of range\r\n"
    assert r("COPY", "a", "b", "DB", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert r("COPY", "a", "b", "FOO") == b"-ERR syntax error\r\n"
    value = FakeList([b"x"])
    put(r, "l", value)
    assert r("COPY", "l", "m") == b":1\r\n"
    copied = r.m._context.keyspace.data[b"m"]
    assert isinstance(copied, FakeList) and copied is not value and copied.items == [b"x"]


def test_randomkey_is_the_same_on_every_replica() -> None:
    one, two = Driver(KVMachine()), Driver(KVMachine())
    for r in (one, two):
        assert r("RANDOMKEY") == b"$-1\r\n"
        r("MSET", *[x for i in range(50) for x in (f"k{i}", "v")])
    draws = [one("RANDOMKEY") for _ in range(20)]
    assert draws == [two("RANDOMKEY") for _ in range(20)]
    assert len(set(draws)) > 5


def test_object(r: Driver) -> None:
    r("MSET", "i", "12", "big", "123456", "s", "hello", "raw", "x" * 45, "neg", "-1")
    assert r("OBJECT", "ENCODING", "i") == b"$3\r\nint\r\n"
    assert r("OBJECT", "ENCODING", "s") == b"$6\r\nembstr\r\n"
    assert r("OBJECT", "ENCODING", "raw") == b"$3\r\nraw\r\n"
    assert r("OBJECT", "REFCOUNT", "i") == b":2147483647\r\n"
    assert r("OBJECT", "REFCOUNT", "big") == b":1\r\n"
    assert r("OBJECT", "REFCOUNT", "neg") == b":1\r\n"
    assert r("OBJECT", "IDLETIME", "s") == b":0\r\n"
    assert r("OBJECT", "FREQ", "s").startswith(b"-ERR An LFU maxmemory policy is not selected")
    assert r("OBJECT", "ENCODING", "none") == b"$-1\r\n"
    put(r, "l", FakeList([b"x"]))
    assert r("OBJECT", "ENCODING", "l") == b"$8\r\nlistpack\r\n"
    assert r("OBJECT", "FOO", "s") == b"-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"
    assert r("OBJECT", "ENCODING") == (
        b"-ERR wrong number of arguments for 'object|encoding' command\r\n"
    )
    assert r("OBJECT", "HELP").startswith(b"*11\r\n+OBJECT <subcommand>")
