"""Redis's float parsing and INCRBYFLOAT's long double arithmetic, modelled exactly.

The expected texts are what redis-server 7.0.15 on x86-64 answers (checked by hand and
by tests/differential)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rabia.kv.numbers import (
    DOUBLE,
    LONG_DOUBLE,
    add,
    format_human,
    parse_double_prefix,
    parse_long_double,
)


def incr(value: bytes, delta: bytes) -> bytes | None:
    a, b = parse_long_double(value), parse_long_double(delta)
    if a is None or b is None:
        return None
    total = add(a, b)
    return None if isinstance(total, float) else format_human(total)


@pytest.mark.parametrize(
    ("value", "delta", "expected"),
    [
        (b"10.5", b"0.1", b"10.6"),
        (b"0", b"0.1", b"0.1"),
        (b"3.0e3", b"200", b"3200"),
        (b"5.0e3", b"-5000", b"0"),
        (b"1", b"0x10", b"17"),
        (b"1", b"-1.00000000000000000001", b"0"),
        (b"0", b"-1e-20", b"0"),  # -0.000... is written 0
        (b"0", b"0.000000000000000015", b"0.00000000000000002"),
        (b".5", b"5.", b"5.5"),
        (b"0X1.8P1", b"+3", b"6"),
    ],
)
def test_incrbyfloat_results(value: bytes, delta: bytes, expected: bytes) -> None:
    assert incr(value, delta) == expected


def test_big_values_keep_every_digit() -> None:
    result = incr(b"1e400", b"1")
    assert result is not None and len(result) == 401
    assert result.startswith(b"100000000000000000002818806839475865145864534336290520386")
    result = incr(b"1.18e4932", b"0")
    assert result is not None and len(result) == 4933  # more than Python's 4300 digits


@pytest.mark.parametrize(
    "text", [b"", b" 1", b"1 ", b"nan", b"-NaN", b"1e", b"e5", b".", b"1_0", b"0x", b"1e5000"]
)
def test_not_a_long_double(text: bytes) -> None:
    assert parse_long_double(text) is None


def test_infinity_reads_but_never_results() -> None:
    assert parse_long_double(b"inf") == float("inf")
    assert parse_long_double(b"-Infinity") == float("-inf")
    assert incr(b"inf", b"1") is None
    assert incr(b"1.18e4932", b"1.18e4932") is None  # overflow
    assert parse_long_double(b"1e-4960") is None  # underflows to zero: refused
    assert parse_long_double(b"1e-4940") not in (None, 0)  # subnormal: kept


def test_rounding_to_the_format() -> None:
    assert LONG_DOUBLE.round(Fraction(1, 3)) != DOUBLE.round(Fraction(1, 3))
    assert DOUBLE.round(Fraction(1, 10)) == Fraction(0.1)
    assert DOUBLE.round(Fraction(2) ** 1024) == float("inf")
    halfway = 1 + Fraction(1, 2**53)  # ties go to even
    assert DOUBLE.round(halfway) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"", 0),
        (b"  12", 12),
        (b"1.5\x00junk", Fraction(3, 2)),
        (b"-inf", float("-inf")),
        (b"0x10", 16),
        (b"1e-400", None),
        (b"1e400", None),
        (b"nan", None),
        (b"  ", None),
        (b"12 ", None),
        (b"abc", None),
    ],
)
def test_sort_scores(text: bytes, expected: object) -> None:
    assert parse_double_prefix(text) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (b"10.5", b"0.1", b"10.6"),
        (b"5.0e3", b"2.0e2", b"5200"),
        (b"0.1", b"0.2", b"0.3"),
        (b"0x10", b"1", b"17"),
        (b"1", b"0.000003814697265625", b"1.00000381469726562"),  # a tie: to even
        (b"1", b"1e-17", b"1.00000000000000001"),
        (b"1", b"5e-18", b"1"),
        (b"3", b"-1e-20", b"3"),
        (b"-1.5", b"1.5", b"0"),
        (b"-1", b"0.5", b"-0.5"),
    ],
)
def test_sums_print_as_redis_hincrbyfloat_prints_them(a: bytes, b: bytes, expected: bytes) -> None:
    x, y = parse_long_double(a), parse_long_double(b)
    assert x is not None and y is not None
    total = add(x, y)
    assert isinstance(total, Fraction)
    assert format_human(total) == expected


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b" 1",
        b"1 ",
        b"abc",
        b"1e",
        b"0x",
        b".",
        b"nan",
        b"NaN(1)",
        b"1.2e4932",
        b"--1",
        b"infin",
        b"1" * 6000,
    ],
)
def test_not_long_doubles(text: bytes) -> None:
    assert parse_long_double(text) is None
