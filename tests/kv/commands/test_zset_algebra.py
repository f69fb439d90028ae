"""ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZUNION, ZINTER, ZDIFF, ZINTERCARD."""

from __future__ import annotations

import pytest

from tests.kv.conftest import Driver
from tests.kv.replies import p


@pytest.fixture
def two(r: Driver) -> Driver:
    r("ZADD", "a", "1", "x", "2", "y", "3", "z")
    r("ZADD", "b", "10", "y", "20", "z", "30", "w")
    return r


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["ZUNION", "2", "a", "b", "WITHSCORES"],
            [b"x", b"1", b"y", b"12", b"z", b"23", b"w", b"30"],
        ),
        (["ZINTER", "2", "a", "b", "WITHSCORES"], [b"y", b"12", b"z", b"23"]),
        (["ZINTER", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES"], [b"y", b"2", b"z", b"3"]),
        (["ZINTER", "2", "a", "b", "WEIGHTS", "2", "0.5", "AGGREGATE", "max"], [b"y", b"z"]),
        (["ZINTER", "2", "a", "b", "WEIGHTS", "-1", "1", "WITHSCORES"], [b"y", b"8", b"z", b"17"]),
        (["ZDIFF", "2", "a", "b", "WITHSCORES"], [b"x", b"1"]),
        (["ZUNION", "2", "a", "none"], [b"x", b"y", b"z"]),
        (["ZINTER", "2", "a", "none"], []),
    ],
)
def test_algebra(two: Driver, args: list[str], expected: list[bytes]) -> None:
    assert p(two, *args) == expected


def test_stores_and_cardinality(two: Driver) -> None:
    assert two("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2") == b":4\r\n"
    assert p(two, "ZSCORE", "d", "y") == b"22"
    assert two("ZINTERSTORE", "d", "2", "a", "b") == b":2\r\n"
    assert two("ZDIFFSTORE", "d", "2", "b", "a") == b":1\r\n"
    assert two("ZINTERSTORE", "d", "2", "a", "none") == b":0\r\n"
    assert two("EXISTS", "d") == b":0\r\n"
    assert two("ZINTERCARD", "2", "a", "b") == b":2\r\n"
    assert two("ZINTERCARD", "2", "a", "b", "LIMIT", "1") == b":1\r\n"
    assert two("ZINTERCARD", "2", "a", "b", "LIMIT", "-1") == b"-ERR LIMIT can't be negative\r\n"


def test_nan_conventions(r: Driver) -> None:
    r("ZADD", "p", "inf", "m")
    r("ZADD", "n", "-inf", "m")
    assert p(r, "ZUNION", "2", "p", "n", "WITHSCORES") == [b"m", b"0"]  # inf + -inf
    assert p(r, "ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES") == [b"m", b"0"]  # 0 * inf


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["ZUNIONSTORE", "d", "0", "a"],
            b"-ERR at least 1 input key is needed for 'zunionstore' command",
        ),
        (["ZINTER", "0", "a"], b"-ERR at least 1 input key is needed for 'zinter' command"),
        (["ZUNIONSTORE", "d", "x", "a"], b"-ERR value is not an integer or out of range"),
        (["ZUNIONSTORE", "d", "3", "a", "b"], b"-ERR syntax error"),
        (["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1"], b"-ERR syntax error"),
        (["ZUNIONSTORE", "d", "1", "a", "WEIGHTS", "x"], b"-ERR weight value is not a float"),
        (["ZUNIONSTORE", "d", "1", "a", "AGGREGATE", "avg"], b"-ERR syntax error"),
        (["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"], b"-ERR syntax error"),
        (["ZDIFF", "1", "a", "WEIGHTS", "1"], b"-ERR syntax error"),
        (["ZUNION", "2", "a", "s", "WEIGHTS", "x"], b"-WRONGTYPE"),  # keys are checked first
    ],
)
def test_errors(two: Driver, args: list[str], error: bytes) -> None:
    two("SET", "s", "v")
    assert two(*args).startswith(error)


def test_sets_are_inputs_whose_members_score_1(two: Driver) -> None:
    two("SADD", "set", "x", "w", "q")
    assert p(two, "ZUNION", "2", "set", "a", "WITHSCORES") == [
        b"q",
        b"1",
        b"w",
        b"1",
        b"x",
        b"2",
        b"y",
        b"2",
        b"z",
        b"3",
    ]
    assert p(two, "ZINTER", "2", "set", "b", "WEIGHTS", "3", "1", "WITHSCORES") == [b"w", b"33"]
    assert two("ZINTERSTORE", "d", "1", "set") == b":3\r\n"
