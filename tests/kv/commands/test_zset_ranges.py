"""ZRANGE and its older forms, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY*, ZRANGESTORE."""

from __future__ import annotations

import pytest

from tests.kv.conftest import Driver
from tests.kv.replies import p

SYNTAX = b"-ERR syntax error\r\n"


@pytest.fixture
def z(r: Driver) -> Driver:
    r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    return r


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ZRANGE", "z", "1", "2"], [b"b", b"c"]),
        (["ZRANGE", "z", "-2", "100"], [b"d", b"e"]),
        (["ZRANGE", "z", "3", "1"], []),
        (["ZRANGE", "z", "0", "0", "REV"], [b"e"]),
        (["ZREVRANGE", "z", "0", "1", "WITHSCORES"], [b"e", b"5", b"d", b"4"]),
        (["ZRANGE", "z", "(1", "3", "BYSCORE"], [b"b", b"c"]),
        (["ZRANGE", "z", "3", "(1", "BYSCORE", "REV"], [b"c", b"b"]),
        (["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"], [b"b", b"c"]),
        (["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "3", "-1"], [b"d", b"e"]),
        (["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"], []),
        (["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "1", "WITHSCORES"], [b"d", b"4"]),
        (["ZRANGE", "z", "[b", "(d", "BYLEX"], [b"b", b"c"]),
        (["ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "0", "2"], [b"e", b"d"]),
        (["ZRANGEBYLEX", "z", "-", "+", "LIMIT", "4", "5"], [b"e"]),
        (["ZREVRANGEBYLEX", "z", "[c", "-"], [b"c", b"b", b"a"]),
        (["ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"], [b"a", b"b", b"c", b"d", b"e"]),
        (["ZRANGE", "none", "0", "-1"], []),
    ],
)
def test_ranges(z: Driver, args: list[str], expected: list[bytes]) -> None:
    assert p(z, *args) == expected


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"], b"syntax error, LIMIT is only supported"),
        (
            ["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
            b"syntax error, WITHSCORES not supported",
        ),
        (["ZRANGE", "z", "0", "1", "REV", "REV"], b"syntax error"),
        (["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"], b"syntax error"),
        (["ZRANGEBYSCORE", "z", "0", "1", "REV"], b"syntax error"),
        (["ZREVRANGE", "z", "0", "1", "BYSCORE"], b"syntax error"),
        (["ZRANGE", "z", "0", "1", "LIMIT", "0"], b"syntax error"),
        (["ZRANGE", "z", "a", "1"], b"value is not an integer"),
        (["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"], b"value is not an integer"),
        (["ZRANGE", "z", "x", "1", "BYSCORE"], b"min or max is not a float"),
        (["ZRANGE", "z", "a", "b", "BYLEX"], b"min or max not valid string range item"),
        (["ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES"], b"syntax error"),
    ],
)
def test_range_errors(z: Driver, args: list[str], error: bytes) -> None:
    assert z(*args).startswith(b"-ERR " + error)


def test_counts(z: Driver) -> None:
    assert z("ZCOUNT", "z", "(1", "3") == b":2\r\n"
    assert z("ZCOUNT", "z", "", "+inf") == b":5\r\n"  # an empty bound is 0, as strtod reads it
    assert z("ZCOUNT", "z", "3", "1") == b":0\r\n"
    assert z("ZCOUNT", "z", "x", "1") == b"-ERR min or max is not a float\r\n"
    assert z("ZLEXCOUNT", "z", "[b", "+") == b":4\r\n"
    assert z("ZLEXCOUNT", "z", "b", "+") == b"-ERR min or max not valid string range item\r\n"
    assert z("ZCOUNT", "none", "0", "1") == z("ZLEXCOUNT", "none", "-", "+") == b":0\r\n"


def test_remove_ranges(z: Driver) -> None:
    assert z("ZREMRANGEBYRANK", "z", "-1", "-1") == b":1\r\n"
    assert z("ZREMRANGEBYSCORE", "z", "(1", "2") == b":1\r\n"
    assert z("ZREMRANGEBYLEX", "z", "[c", "[c") == b":1\r\n"
    assert p(z, "ZRANGE", "z", "0", "-1") == [b"a", b"d"]
    assert z("ZREMRANGEBYRANK", "z", "5", "10") == b":0\r\n"
    assert (
        z("ZREMRANGEBYRANK", "z", "x", "1") == b"-ERR value is not an integer or out of range\r\n"
    )
    assert z("ZREMRANGEBYRANK", "z", "0", "-1") == b":2\r\n"
    assert z("EXISTS", "z") == b":0\r\n"


def test_zrangestore(z: Driver) -> None:
    assert z("ZRANGESTORE", "d", "z", "1", "2") == b":2\r\n"
    assert p(z, "ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert z("ZRANGESTORE", "d", "z", "(4", "+inf", "BYSCORE", "LIMIT", "0", "1") == b":1\r\n"
    assert z("ZRANGESTORE", "d", "z", "[x", "+", "BYLEX") == b":0\r\n"
    assert z("EXISTS", "d") == b":0\r\n"
    z("SET", "s", "v")
    assert z("ZRANGESTORE", "s", "z", "0", "0") == b":1\r\n"  # the destination is replaced
    assert z("TYPE", "s") == b"+zset\r\n"
