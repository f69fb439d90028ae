"""Blocking commands' timeouts read as Redis 7.0 reads them (values checked against
redis-server 7.0.15 by BLPOP on a non-empty list; tests/differential covers them too)."""

from __future__ import annotations

import pytest

from rabia.kv.commands.timeout import MAX_TIMEOUT_US, parse_seconds

NEGATIVE = b"-ERR timeout is negative\r\n"
NOT_FLOAT = b"-ERR timeout is not a float or out of range\r\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"0", 0),
        (b"1.5", 1_500_000),
        (b"1.", 1_000_000),
        (b".5", 500_000),
        (b"1e3", 1_000_000_000),
        (b"0.0001", 1000),  # whole milliseconds, rounded up
        (b"0.0015", 2000),
        (b"1e-400", 1000),  # an 80-bit long double holds it
        (b"-0", 0),
        (b"-0.0001", 0),  # rounds up to -0 ms: forever
        (b"-0.001", 0),  # a hair above -1 ms in long double
        (b"0x10", 16_000_000),  # strtold reads hexadecimal
        (b"0x1p3", 8_000_000),
        (b"0x.8", 500_000),
        (b"0e99999", 0),
        (b"9223372036854775.807", MAX_TIMEOUT_US),
        (b"-0.0011", NEGATIVE),
        (b"-1", NEGATIVE),
        (b"inf", NEGATIVE),  # no 64-bit integer: negative once cast, in Redis
        (b"-Infinity", NEGATIVE),
        (b"1e16", NEGATIVE),
        (b"1e308", NEGATIVE),
        (b"1e4931", NEGATIVE),  # a long double, whose product by 1000 overflows
        (b"9223372036854775.808", NEGATIVE),
        (b"nan", NOT_FLOAT),
        (b"1e5000", NOT_FLOAT),  # past long double: strtold overflows
        (b"1e-5000", NOT_FLOAT),  # underflows to zero
        (b"0x1p99999", NOT_FLOAT),
        (b"", NOT_FLOAT),
        (b" 1", NOT_FLOAT),
        (b"1 ", NOT_FLOAT),
        (b"1_0", NOT_FLOAT),
        (b"0x", NOT_FLOAT),
        (b"0x1p", NOT_FLOAT),
        (b"1e", NOT_FLOAT),
        (b".", NOT_FLOAT),
        (b"1\x002", NOT_FLOAT),
        (b"1" * 5120, NOT_FLOAT),
    ],
)
def test_timeouts_as_redis_reads_them(text: bytes, expected: int | bytes) -> None:
    assert parse_seconds(text) == expected
