"""Long double arithmetic: strtold's grammar, x86-64 rounding, %.17Lf printing (the
expected texts are redis-server 7.0's HINCRBYFLOAT replies)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rabia.kv.long_double import INF, add, format_human, parse, round_to_long_double


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
def test_sums_print_as_redis_prints_them(a: bytes, b: bytes, expected: bytes) -> None:
    x, y = parse(a), parse(b)
    assert x is not None and y is not None
    total = add(x, y)
    assert isinstance(total, Fraction)
    assert format_human(total) == expected


def test_huge_values_print_every_digit() -> None:
    x = parse(b"1e4000")
    assert isinstance(x, Fraction)
    text = format_human(x)
    assert len(text) == 4000 and text.startswith(b"99999999999999999999")


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
        b"1e-5000",
        b"1e999999999999",
        b"--1",
        b"infin",
        b"1" * 6000,
    ],
)
def test_not_numbers(text: bytes) -> None:
    assert parse(text) is None


def test_numbers() -> None:
    assert parse(b"inf") == INF and parse(b"-Infinity") == -INF
    assert parse(b"+.5") == Fraction(1, 2) and parse(b"1.") == 1
    assert parse(b"0x1.8p1") == 3 and parse(b"-0e5000000000") == 0
    assert parse(b"1" * 4500) is not None  # more digits than CPython prints at once
    assert round_to_long_double(Fraction(2) ** 16384) == INF
    assert round_to_long_double(Fraction(1, 3)) != Fraction(1, 3)
