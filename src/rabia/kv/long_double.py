"""Redis's ``long double`` arithmetic (HINCRBYFLOAT, INCRBYFLOAT), exactly and portably.

Redis parses with ``strtold``, adds in C ``long double`` and prints with ``%.17Lf`` minus
trailing zeros. On x86-64 that type is the 80-bit extended format (64-bit significand);
elsewhere it differs (128-bit on aarch64), so a replica must not use the platform's type.
Here numbers are exact ``Fraction``s rounded to the x86-64 format after every operation
(round half to even, as the FPU does), which gives redis-server's bytes on every machine.
"""

from __future__ import annotations

import re
from fractions import Fraction

INF = float("inf")
ZERO = Fraction(0)

Number = Fraction | float
"""A finite value (``Fraction``) or an infinity (``float``)."""

_SIGNIFICAND = 64
_MIN_EXP = -16382
_MAX_EXP = 16383
_MAX_CHARS = 5 * 1024
"""Redis's ``MAX_LONG_DOUBLE_CHARS``: longer texts are not numbers."""

_DECIMAL = re.compile(rb"([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?")
_HEX = re.compile(
    rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?"
)
_SPECIAL = re.compile(rb"([+-]?)(inf|infinity|nan(?:\([0-9a-zA-Z_]*\))?)", re.IGNORECASE)


def round_to_long_double(x: Fraction) -> Number:
    """``x`` rounded to the nearest 80-bit extended value (ties to even); an infinity
    when it overflows."""
    if x == 0:
        return Fraction(0)
    a = abs(x)
    exp = a.numerator.bit_length() - a.denominator.bit_length()
    if a < Fraction(2) ** exp:
        exp -= 1
    quantum_exp = max(exp, _MIN_EXP) - (_SIGNIFICAND - 1)
    scaled = a / Fraction(2) ** quantum_exp
    m = round(scaled)  # Fraction.__round__: ties to even
    result = m * Fraction(2) ** quantum_exp
    if result >= Fraction(2) ** (_MAX_EXP + 1):
        return INF if x > 0 else -INF
    return result if x > 0 else -result


def _big_int(digits: bytes, base: int) -> int:
    """``int(digits, base)`` in chunks (CPython refuses more than 4300 decimal digits)."""
    value = 0
    for i in range(0, len(digits), 1000):
        chunk = digits[i : i + 1000]
        value = value * base ** len(chunk) + int(chunk, base)
    return value


def _exponent(text: bytes | None) -> int:
    """An exponent's value, clamped far beyond any long double's range."""
    if not text:
        return 0
    digits = text.lstrip(b"+-").lstrip(b"0")
    value = int(digits) if len(digits) < 9 else 10**8
    return -value if text.startswith(b"-") else value


def parse(text: bytes) -> Number | None:
    """Redis's ``string2ld``: the value of ``text`` as ``strtold`` reads it, or None when
    it is not a number (empty, too long, spaces, trailing bytes, NaN, out of range)."""
    if not text or len(text) >= _MAX_CHARS or text[:1].isspace():
        return None
    special = _SPECIAL.fullmatch(text)
    if special is not None:
        if special.group(2)[:1].lower() == b"n":
            return None
        return -INF if special.group(1) == b"-" else INF
    found = _DECIMAL.fullmatch(text)
    base, bits = (10, 0) if found is not None else (16, 4)
    if found is None and (found := _HEX.fullmatch(text)) is None:
        return None
    sign, whole, frac, only_frac, exp = found.groups()
    frac = frac or only_frac or b""
    digits = ((whole or b"") + frac).lstrip(b"0")
    if not digits:
        return Fraction(0)
    mantissa = _big_int(digits, base)
    exponent = _exponent(exp)
    if base == 10:
        magnitude = len(digits) - len(frac) + exponent  # about log10 of the value
        if not -5000 < magnitude < 5000:
            return None  # ERANGE: overflows, or underflows to zero
        value = mantissa * Fraction(10) ** (exponent - len(frac))
    else:
        magnitude = mantissa.bit_length() - bits * len(frac) + exponent
        if not -17000 < magnitude < 17000:
            return None
        value = mantissa * Fraction(2) ** (exponent - bits * len(frac))
    rounded = round_to_long_double(value)
    if isinstance(rounded, float) or rounded == 0:
        return None  # ERANGE: overflow, or a nonzero value underflowing to zero
    return -rounded if sign == b"-" else rounded


def add(a: Number, b: Number) -> Number:
    """``a + b`` in long double; an infinity (or NaN) is returned as a float."""
    if isinstance(a, float) or isinstance(b, float):
        return float(a) + float(b)
    return round_to_long_double(a + b)


def is_finite(x: Number) -> bool:
    """Not an infinity or NaN."""
    return not isinstance(x, float)


def _decimal(n: int) -> bytes:
    """The digits of ``n`` >= 0 (CPython refuses to print more than 4300 at once)."""
    if n < _CHUNK:
        return b"%d" % n
    high, low = divmod(n, _CHUNK)
    return _decimal(high) + (b"%d" % low).rjust(_CHUNK_DIGITS, b"0")


_CHUNK_DIGITS = 4000
_CHUNK = 10**_CHUNK_DIGITS


def format_human(x: Fraction) -> bytes:
    """``%.17Lf`` of a finite value without trailing zeros (Redis's ``LD_STR_HUMAN``)."""
    scaled = round(x * 10**17)  # ties to even, as glibc's printf
    sign = b"-" if x < 0 else b""
    digits = _decimal(abs(scaled)).rjust(18, b"0")
    text = (digits[:-17] + b"." + digits[-17:]).rstrip(b"0").rstrip(b".")
    return b"0" if text == b"0" else sign + text
