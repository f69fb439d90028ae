"""Sorted sets' arguments as Redis reads them: scores (C's ``strtod``), score and lex
ranges, and scores written back as Redis writes doubles.

Redis parses a score with ``strtod`` and then refuses what it did not consume, NaN,
leading white space, and overflow (or underflow to zero); a range bound is read with
``strtod`` alone (white space first, out-of-range values and an empty text are fine).
Python's ``float`` accepts other texts (``1_0``, `` 1 ``) and no hexadecimal, so the
syntax is checked here first.
"""

from __future__ import annotations

import math
import re

from rabia.kv.values.zset_range import MINUS, PLUS, LexBound, LexRange, ScoreRange

_DECIMAL = rb"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_HEX = rb"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
_NUMBER = re.compile(
    rb"([+-]?)(?:(%s)|(%s)|(inf(?:inity)?)|nan(?:\([0-9A-Za-z_]*\))?)" % (_HEX, _DECIMAL), re.I
)
_PLAIN = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?")
_C_SPACE = b" \t\n\v\f\r"
_NONZERO = frozenset(b"123456789abcdefABCDEF")

ERR_NOT_FLOAT = b"-ERR value is not a valid float\r\n"
ERR_NAN = b"-ERR resulting score is not a number (NaN)\r\n"
ERR_RANGE = b"-ERR min or max is not a float\r\n"
ERR_LEX_RANGE = b"-ERR min or max not valid string range item\r\n"

INF = math.inf


def _strtod(text: bytes) -> tuple[float, bool] | None:
    """``text`` read whole by ``strtod`` (no white space): (value, out of range), or None
    when it is not a number; NaN is returned as NaN."""
    found = _NUMBER.fullmatch(text)
    if found is None:
        return None
    sign, hexa, decimal, infinite = found.groups()
    negative = sign == b"-"
    if infinite is not None:
        return (-INF if negative else INF), False
    if hexa is None and decimal is None:
        return math.nan, False
    if hexa is not None:
        mantissa = hexa[2:].split(b"p")[0].split(b"P")[0]
        try:
            value = float.fromhex(hexa.decode())
        except OverflowError:
            return (-INF if negative else INF), True
    else:
        mantissa = decimal.split(b"e")[0].split(b"E")[0]
        value = float(decimal)
    if value == INF:
        return (-INF if negative else INF), True
    underflow = value == 0.0 and not _NONZERO.isdisjoint(mantissa)
    return (-value if negative else value), underflow


def parse_score(text: bytes) -> float | None:
    """A score, increment or weight as Redis's ``string2d`` reads it: None when not a
    valid float (NaN, white space, trailing bytes, overflow or underflow to zero)."""
    if len(text) < 300 and (text.isdigit() or _PLAIN.fullmatch(text)):  # the common case
        return float(text)  # (ASCII digits alone: no pattern match)
    parsed = _strtod(text)
    if parsed is None:
        return None
    value, out_of_range = parsed
    if out_of_range or value != value:
        return None
    return value


def _bound(text: bytes) -> float | None:
    """A range bound as ``strtod`` reads a C string (up to a NUL): leading white space
    and out-of-range values allowed, an empty text is 0; None if not a number or NaN."""
    text = text.split(b"\0", 1)[0]
    if not text:
        return 0.0
    parsed = _strtod(text.lstrip(_C_SPACE))
    if parsed is None or parsed[0] != parsed[0]:
        return None
    return parsed[0]


def _range_item(text: bytes) -> tuple[float, bool] | None:
    if text[:1] == b"(":
        value = _bound(text[1:])
        return None if value is None else (value, True)
    value = _bound(text)
    return None if value is None else (value, False)


def parse_score_range(low: bytes, high: bytes) -> ScoreRange | None:
    """Redis's score range from two bounds (``(`` prefix: exclusive); None if invalid."""
    a, b = _range_item(low), _range_item(high)
    if a is None or b is None:
        return None
    return ScoreRange(a[0], b[0], a[1], b[1])


def _lex_item(text: bytes) -> tuple[LexBound, bool] | None:
    first = text[:1]
    if first in (b"+", b"-"):
        if text[1:2] not in (b"", b"\0"):
            return None
        return (PLUS if first == b"+" else MINUS), True
    if first == b"(":
        return LexBound(0, text[1:]), True
    if first == b"[":
        return LexBound(0, text[1:]), False
    return None


def parse_lex_range(low: bytes, high: bytes) -> LexRange | None:
    """Redis's lex range from two items (``(a``, ``[a``, ``-``, ``+``); None if invalid."""
    a, b = _lex_item(low), _lex_item(high)
    if a is None or b is None:
        return None
    return LexRange(a[0], b[0], a[1], b[1])


def score_reply(score: float) -> bytes:
    """A score as Redis replies it: a bulk string of ``%.17g`` (``inf``, ``-inf``)."""
    text = b"%.17g" % score
    return b"$%d\r\n%s\r\n" % (len(text), text)


def listpack_text(score: float) -> bytes:
    """A score as a small set (listpack) holds it, which ZSCAN returns: an integer when
    it is one within +-2**62, else ``%.17g``."""
    if score.is_integer() and -(1 << 62) <= score <= (1 << 62):
        return b"%d" % score
    return b"%.17g" % score


def members_reply(members: list[bytes], scores: list[float] | None) -> bytes:
    """A flat array of members, each followed by its score when ``scores`` is given."""
    if scores is None:
        return b"*%d\r\n%s" % (
            len(members),
            b"".join(b"$%d\r\n%s\r\n" % (len(m), m) for m in members),
        )
    parts = [b"*%d\r\n" % (2 * len(members))]
    for member, score in zip(members, scores, strict=True):
        text = b"%.17g" % score
        parts.append(b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(member), member, len(text), text))
    return b"".join(parts)


def option_after(args: list[bytes], start: int, name: bytes) -> bool:
    """Whether ``name`` (lower case) is among ``args[start:]``, in any case."""
    return any(arg.lower() == name for arg in args[start:])
