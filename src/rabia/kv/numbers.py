"""Numbers as Redis reads and writes them, computed exactly so every replica agrees.

Redis parses floats with the C library (``strtold``, ``strtod``) and INCRBYFLOAT adds in
x86-64's 80-bit ``long double``. Python has neither, so this module models them: a
number is an exact ``Fraction``, rounded to the format's precision (64-bit significand
for ``long double``, 53 for ``double``) with round-half-even, as IEEE 754 arithmetic
does. Only integer arithmetic is involved: the same bytes in give the same bytes out on
every machine.
"""

from __future__ import annotations

import re
from fractions import Fraction

MAX_FLOAT_TEXT = 5 * 1024
"""Longest text Redis reads as a long double (its conversion buffer)."""

_SPACE = b" \t\n\v\f\r"

_DECIMAL = re.compile(rb"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_HEX = re.compile(rb"([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?")
_INF = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)
_NAN = re.compile(rb"[+-]?nan(?:\([0-9A-Za-z_]*\))?", re.IGNORECASE)

INF = "inf"
NAN = "nan"
Number = Fraction | float
"""An exact finite value (``Fraction``), or ``inf``/``-inf``/``nan`` as floats."""


class Format:
    """A binary floating-point format: significand bits and exponent range."""

    def __init__(self, precision: int, min_exponent: int, max_exponent: int) -> None:
        self.precision = precision
        self.min_exponent = min_exponent
        """Exponent of the smallest normal number."""
        self.max_exponent = max_exponent
        """Values from ``2 ** (max_exponent + 1)`` on overflow to infinity."""

    def round(self, value: Fraction) -> Number:
        """``value`` rounded to this format (half to even); ``inf`` on overflow."""
        if value == 0:
            return Fraction(0)
        sign = -1 if value < 0 else 1
        x = abs(value)
        exponent = x.numerator.bit_length() - x.denominator.bit_length()
        if Fraction(2) ** exponent > x:
            exponent -= 1
        quantum = max(exponent, self.min_exponent) - (self.precision - 1)
        scaled = x / Fraction(2) ** quantum
        units = round(scaled)  # Fraction.__round__ rounds half to even
        result = Fraction(units) * Fraction(2) ** quantum
        if result >= Fraction(2) ** (self.max_exponent + 1):
            return sign * float(INF)
        return sign * result

    def smallest_normal(self) -> Fraction:
        return Fraction(2) ** self.min_exponent


LONG_DOUBLE = Format(64, -16382, 16383)
"""x86-64's 80-bit extended precision (C ``long double`` under glibc)."""
DOUBLE = Format(53, -1022, 1023)
"""IEEE 754 binary64 (C ``double``)."""


_CHUNK = 1000
"""Digits converted at a time: Python refuses int <-> str conversions of more than 4300
digits at once (``sys.int_info.default_max_str_digits``)."""


def _int_of(digits: bytes) -> int:
    """The decimal ``digits`` as an int, however many there are."""
    value = 0
    for at in range(0, len(digits), _CHUNK):
        chunk = digits[at : at + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def _digits_of(n: int) -> str:
    """The decimal digits of ``n >= 0``, however many there are."""
    if n < 10**_CHUNK:
        return str(n)
    high, low = divmod(n, 10**_CHUNK)
    return _digits_of(high) + str(low).rjust(_CHUNK, "0")


def _exact(text: bytes, fmt: Format) -> tuple[Number, bool] | None:
    """What ``strtod``/``strtold`` read from all of ``text`` (no leading space): the
    rounded number and whether it underflowed or overflowed (``ERANGE``); None when
    ``text`` is not a number as a whole."""
    if _NAN.fullmatch(text):
        return float(NAN), False
    if m := _INF.fullmatch(text):
        return (-1 if m[1] == b"-" else 1) * float(INF), False
    hexa = _HEX.fullmatch(text)
    if hexa is not None:
        sign, whole, fraction, exponent = hexa.groups()
        digits = whole + (fraction or b"")
        if not digits:
            return None
        mantissa = int(digits, 16)
        power = int(exponent or b"0") - 4 * len(fraction or b"")
        base = 2
    else:
        dec = _DECIMAL.fullmatch(text)
        if dec is None:
            return None
        sign, whole, fraction, exponent = dec.groups()
        digits = whole + (fraction or b"")
        if not digits:
            return None
        mantissa = _int_of(digits)
        power = int(exponent or b"0") - len(fraction or b"")
        base = 10
    negative = sign == b"-"
    if mantissa == 0:
        return Fraction(0), False
    # Far outside the format: decide without building a huge Fraction.
    size = mantissa.bit_length() if base == 2 else len(_digits_of(mantissa))
    magnitude = (size + power) * (1 if base == 2 else 3.33)
    if magnitude > fmt.max_exponent + 64:
        return (-1 if negative else 1) * float(INF), True
    if magnitude < fmt.min_exponent - fmt.precision - 64:
        return Fraction(0), True
    value = Fraction(mantissa) * Fraction(base) ** power
    rounded = fmt.round(-value if negative else value)
    if isinstance(rounded, float):
        return rounded, True
    tiny = rounded == 0 or (abs(rounded) < fmt.smallest_normal() and abs(rounded) != value)
    return rounded, tiny


def parse_long_double(text: bytes) -> Number | None:
    """Redis's ``string2ld``: the whole of ``text`` as a long double, or None (leading
    space, trailing garbage, NaN, overflow, underflow to zero, too long). Infinity
    written as such is accepted."""
    if not text or len(text) >= MAX_FLOAT_TEXT or text[0] in _SPACE:
        return None
    found = _exact(text, LONG_DOUBLE)
    if found is None:
        return None
    value, out_of_range = found
    if isinstance(value, float):
        if value != value or out_of_range:  # NaN, or overflow
            return None
        return value
    if out_of_range and value == 0:
        return None
    return value


def parse_double_prefix(text: bytes) -> Number | None:
    """SORT's reading of a score (``strtod`` with an end check): leading white space
    allowed, nothing after the number (up to a NUL byte), no NaN, no overflow or
    underflow; an empty string reads as 0. None when it is not a score."""
    text = text.split(b"\0", 1)[0]
    if not text:
        return Fraction(0)
    body = text.lstrip(_SPACE)
    found = _exact(body, DOUBLE) if body else None
    if found is None:
        return None
    value, out_of_range = found
    if out_of_range or (isinstance(value, float) and value != value):
        return None
    return value


def add(a: Number, b: Number, fmt: Format = LONG_DOUBLE) -> Number:
    """``a + b`` in ``fmt``, as the hardware rounds it (``nan`` for inf - inf)."""
    if isinstance(a, float):
        return a + b if isinstance(b, float) else a  # inf + finite is inf
    if isinstance(b, float):
        return b
    return fmt.round(a + b)


def format_human(value: Number) -> bytes:
    """``%.17Lf`` with trailing zeros (and a bare point) removed, ``-0`` as ``0``: how
    INCRBYFLOAT and HINCRBYFLOAT write their results (finite values only)."""
    assert isinstance(value, Fraction)
    units = round(value * 10**17)  # half to even, as glibc's printf on exact values
    digits = _digits_of(abs(units)).rjust(18, "0")
    text = (digits[:-17] + "." + digits[-17:]).rstrip("0").rstrip(".")
    if units < 0:
        text = "-" + text
    return text.encode()
