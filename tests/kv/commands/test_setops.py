"""SMEMBERS, SINTER, SUNION, SDIFF, their STORE forms and SINTERCARD."""

from __future__ import annotations

from tests.kv.conftest import Driver
from tests.kv.replies import p
from tests.kv.test_events import Recorder

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def setup(r: Driver) -> None:
    r("SADD", "a", "1", "2", "3", "x")
    r("SADD", "b", "3", "x", "y")
    r("APPEND", "str", "v")


def test_reads(r: Driver) -> None:
    setup(r)
    assert p(r, "SINTER", "a", "b") == [b"3", b"x"]
    assert p(r, "SINTER", "a", "none") == []
    assert p(r, "SUNION", "a", "b", "none") == [b"1", b"2", b"3", b"x", b"y"]
    assert p(r, "SDIFF", "a", "b") == [b"1", b"2"]
    assert p(r, "SDIFF", "a", "a") == [] and p(r, "SDIFF", "none", "a") == []
    assert p(r, "SMEMBERS", "none") == []
    for command in ("SINTER", "SUNION", "SDIFF"):
        assert r(command, "a", "str") == WRONGTYPE
        assert r(command, "none", "str") == WRONGTYPE  # every key is checked
    assert r("SMEMBERS", "str") == WRONGTYPE


def test_stores_and_their_events() -> None:
    r, rec = Driver(), Recorder()
    r.m.event_sink = rec
    setup(r)
    del rec.events[:]
    assert p(r, "SINTERSTORE", "d", "a", "b") == 2  # 4
    assert p(r, "SMEMBERS", "d") == [b"3", b"x"]
    assert p(r, "SUNIONSTORE", "str", "a", "b") == 5  # 6: replaces another type
    assert p(r, "TYPE", "str") == b"set"
    assert p(r, "SDIFFSTORE", "d", "a", "b") == 2  # 8
    assert p(r, "SINTERSTORE", "d", "a", "none") == 0  # 9: an empty result deletes
    assert p(r, "EXISTS", "d") == 0
    assert p(r, "SDIFFSTORE", "d", "none") == 0  # 11: nothing to delete
    assert r("SINTERSTORE", "d", "a", "str2") == b":0\r\n"
    r("APPEND", "s2", "v")
    assert r("SUNIONSTORE", "d", "a", "s2") == WRONGTYPE
    r("EXPIRE", "a", "100")
    r("SUNIONSTORE", "a", "a")  # a stored result has no TTL
    assert p(r, "TTL", "a") == -1
    assert rec.events[:4] == [
        (4, b"sinterstore", b"d"),
        (6, b"sunionstore", b"str"),
        (8, b"sdiffstore", b"d"),
        (9, b"del", b"d"),
    ]


def test_sintercard(r: Driver) -> None:
    setup(r)
    assert p(r, "SINTERCARD", "2", "a", "b") == 2
    assert p(r, "SINTERCARD", "1", "a") == 4
    assert p(r, "SINTERCARD", "2", "a", "b", "LIMIT", "1") == 1
    assert p(r, "SINTERCARD", "2", "a", "b", "limit", "0") == 2
    assert p(r, "SINTERCARD", "2", "a", "none") == 0
    assert r("SINTERCARD", "2", "a", "str") == WRONGTYPE
    numkeys = b"-ERR numkeys should be greater than 0\r\n"
    assert r("SINTERCARD", "0", "a") == numkeys and r("SINTERCARD", "x", "a") == numkeys
    assert r("SINTERCARD", "3", "a", "b") == (
        b"-ERR Number of keys can't be greater than number of args\r\n"
    )
    assert r("SINTERCARD", "1", "a", "LIMIT", "-1") == b"-ERR LIMIT can't be negative\r\n"
    assert r("SINTERCARD", "1", "a", "LIMIT") == b"-ERR syntax error\r\n"
    assert r("SINTERCARD", "1", "a", "b") == b"-ERR syntax error\r\n"
