"""A blocking command's timeout argument, read exactly as Redis 7.0 reads it.

Redis parses the seconds with C's ``strtold`` (so ``0x1p3`` and ``inf`` are numbers,
``1_0`` and `` 1`` are not) into an x86 80-bit ``long double``, multiplies by 1000 in
that precision, rounds up to whole milliseconds, and casts to a 64-bit integer: anything
that does not fit (``inf``, ``1e300``) becomes negative there, hence "timeout is
negative"; and ``-0.001`` is accepted (as forever), a hair above -1 ms once rounded.
``rabia.kv.resp.parse_timeout`` reads Python's float syntax instead (and raised
``OverflowError`` on ``1e308``); this is the exact reading.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from math import ceil

from rabia.kv.resp import ERR_TIMEOUT, ERR_TIMEOUT_NEGATIVE, INT64_MAX, INT64_MIN

MAX_TIMEOUT_US = 1 << 62
"""Longer timeouts (over 146,000 years) are cut to this, so deadlines fit 64 bits."""

_DECIMAL = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(rb"([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?")
_INFINITY = re.compile(rb"[+-]?(?:inf|infinity)", re.IGNORECASE)
_LDBL_MAX_LOG2 = 16384
"""x86 ``long double``: finite below 2**16384, subnormal down to 2**-16445."""
_LDBL_MIN_LOG2 = -16446
_LDBL_MAX = Decimal("1.18973149535723176502e4932")
_LDBL_ROUNDS_TO_ZERO = Decimal("1.8e-4951")
"""Below this (half the least subnormal) ``strtold`` underflows to 0: refused."""
_TOO_LONG = 5 * 1024
"""Redis refuses a number of this many characters or more."""


def _far(positive: bool, huge: bool) -> Fraction | float:
    """A stand-in for a number of no concern but its sign and whether it is huge."""
    if huge:
        return float("inf") if positive else float("-inf")
    return Fraction(1 if positive else -1, 10**60)


def _value(text: bytes) -> Fraction | float | None:
    """What ``strtold`` reads from all of ``text`` (``±inf`` as floats); None when Redis
    would refuse it (not all of it a number, NaN, overflow or underflow to zero)."""
    if not text or len(text) >= _TOO_LONG:
        return None
    if _INFINITY.fullmatch(text):
        return float("-inf") if text.startswith(b"-") else float("inf")
    if _DECIMAL.fullmatch(text):
        number = Decimal(text.decode())
        if not number:
            return Fraction(0)
        if not _LDBL_ROUNDS_TO_ZERO <= abs(number) < _LDBL_MAX:
            return None
        if abs(number.adjusted()) > 40:  # far past every boundary: keep the numbers small
            return _far(number > 0, number.adjusted() > 0)
        return Fraction(number)
    hex_match = _HEX.fullmatch(text)
    if hex_match is None or not (hex_match[2] or hex_match[3]):
        return None
    sign, whole, fraction, exponent = hex_match.groups()
    mantissa = int(whole + fraction or b"0", 16)
    shift = int(exponent or 0) - 4 * len(fraction)
    if not mantissa:
        return Fraction(0)
    magnitude = mantissa.bit_length() + shift
    if not _LDBL_MIN_LOG2 < magnitude <= _LDBL_MAX_LOG2:
        return None
    if abs(magnitude) > 140:
        return _far(sign != b"-", magnitude > 0)
    value = Fraction(mantissa) * Fraction(2) ** shift
    return -value if sign == b"-" else value


def _long_double(value: Fraction) -> Fraction:
    """``value`` rounded to a 64-bit mantissa, half to even (x86 ``long double``; the
    magnitudes here never reach its subnormals)."""
    if not value:
        return value
    magnitude = abs(value)
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1  # now 2**exponent <= magnitude < 2**(exponent + 1)
    scale = Fraction(2) ** (63 - exponent)
    mantissa = round(magnitude * scale)  # Fraction rounds half to even
    rounded = mantissa / scale
    return rounded if value > 0 else -rounded


def parse_seconds(text: bytes) -> int | bytes:
    """A timeout in seconds as microseconds of log time (0: forever; Redis's whole
    milliseconds), or Redis's error reply."""
    value = _value(text)
    if value is None:
        return ERR_TIMEOUT
    if isinstance(value, float):  # ±inf: no 64-bit integer, negative in Redis
        return ERR_TIMEOUT_NEGATIVE
    millis = ceil(_long_double(_long_double(value) * 1000))
    if millis < 0 or not INT64_MIN <= millis <= INT64_MAX:
        return ERR_TIMEOUT_NEGATIVE
    return min(millis * 1000, MAX_TIMEOUT_US)
