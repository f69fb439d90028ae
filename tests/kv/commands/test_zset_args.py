"""Scores and ranges read as Redis reads them (C's strtod), scores written as Redis
writes them."""

from __future__ import annotations

import math

import pytest

from rabia.kv.commands.zset_args import (
    listpack_text,
    parse_lex_range,
    parse_score,
    parse_score_range,
    score_reply,
)
from rabia.kv.values.zset_range import MINUS, PLUS, LexBound


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"1", 1.0),
        (b"-2.5", -2.5),
        (b"+3", 3.0),
        (b"1.", 1.0),
        (b".5", 0.5),
        (b"1e3", 1000.0),
        (b"0x10", 16.0),
        (b"0x1p3", 8.0),
        (b"-0x.8", -0.5),
        (b"inf", math.inf),
        (b"+Infinity", math.inf),
        (b"-INF", -math.inf),
        (b"1e-310", 1e-310),
        (b"0e-999", 0.0),
    ],
)
def test_valid_scores(text: bytes, value: float) -> None:
    assert parse_score(text) == value


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b" 1",
        b"1 ",
        b"1_0",
        b"nan",
        b"NaN(123)",
        b"1e400",
        b"-1e400",
        b"1e-400",
        b"0x",
        b"1e",
        b".",
        b"--1",
        b"1\x00",
        b"abc",
        b"0x1p99999",
        b"infinit",
    ],
)
def test_invalid_scores(text: bytes) -> None:
    assert parse_score(text) is None


def test_score_ranges_read_as_strtod_does() -> None:
    rng = parse_score_range(b"(1.5", b"+inf")
    assert rng is not None and (rng.min, rng.minex, rng.max, rng.maxex) == (
        1.5,
        True,
        math.inf,
        False,
    )
    assert parse_score_range(b"", b"(") == (0.0, 0.0, False, True)
    assert parse_score_range(b" 1", b"1e400") == (1.0, math.inf, False, False)
    assert parse_score_range(b"2\x00junk", b"3") == (2.0, 3.0, False, False)
    for bad in (b"x", b"1 ", b"nan", b"((1", b"  "):
        assert parse_score_range(bad, b"1") is None


def test_lex_ranges() -> None:
    assert parse_lex_range(b"-", b"+") == (MINUS, PLUS, True, True)
    assert parse_lex_range(b"[a", b"(b") == (LexBound(0, b"a"), LexBound(0, b"b"), False, True)
    assert parse_lex_range(b"+\x00x", b"[") == (PLUS, LexBound(0, b""), True, False)
    for bad in (b"a", b"", b"+x", b"-1"):
        assert parse_lex_range(bad, b"+") is None


def test_scores_written() -> None:
    assert score_reply(0.1) == b"$19\r\n0.10000000000000001\r\n"
    assert score_reply(-math.inf) == b"$4\r\n-inf\r\n"
    assert score_reply(-0.0) == b"$2\r\n-0\r\n"
    assert listpack_text(1e17) == b"100000000000000000"
    assert listpack_text(2.0**62) == b"4611686018427387904"
    assert listpack_text(2.0**63) == b"9.2233720368547758e+18"
    assert listpack_text(-(2.0**63)) == b"-9.2233720368547758e+18"
    assert listpack_text(math.inf) == b"inf"
