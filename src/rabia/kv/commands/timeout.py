"""A blocking command's timeout argument, read exactly as Redis 7.0 reads it.

Redis parses the seconds with C's ``strtold`` (so ``0x1p3`` and ``inf`` are numbers,
``1_0`` and `` 1`` are not) into an x86 80-bit ``long double``, multiplies by 1000 in
that precision, rounds up to whole milliseconds, and casts to a 64-bit integer: anything
that does not fit (``inf``, ``1e300``) becomes negative there, hence "timeout is
negative"; and ``-0.001`` is accepted (as forever), a hair above -1 ms once rounded.
The reading of the number is ``rabia.kv.numbers``'s model of ``strtold``.
"""

from __future__ import annotations

from math import ceil

from rabia.kv.numbers import LONG_DOUBLE, parse_long_double
from rabia.kv.resp import ERR_TIMEOUT, ERR_TIMEOUT_NEGATIVE, INT64_MAX, INT64_MIN

MAX_TIMEOUT_US = 1 << 62
"""Longer timeouts (over 146,000 years) are cut to this, so deadlines fit 64 bits."""


def parse_seconds(text: bytes) -> int | bytes:
    """A timeout in seconds as microseconds of log time (0: forever; Redis's whole
    milliseconds), or Redis's error reply."""
    value = parse_long_double(text)
    if value is None:
        return ERR_TIMEOUT
    if isinstance(value, float):  # ±inf: no 64-bit integer, negative in Redis
        return ERR_TIMEOUT_NEGATIVE
    scaled = LONG_DOUBLE.round(value * 1000)
    if isinstance(scaled, float):  # overflowed to ±inf
        return ERR_TIMEOUT_NEGATIVE
    millis = ceil(scaled)
    if millis < 0 or not INT64_MIN <= millis <= INT64_MAX:
        return ERR_TIMEOUT_NEGATIVE
    return min(millis * 1000, MAX_TIMEOUT_US)
