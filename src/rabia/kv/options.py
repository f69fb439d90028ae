"""Option parsing of SET, GETEX and EXPIRE/PEXPIRE, with Redis's errors and their order.

Expiry times follow Redis's range: a time in milliseconds up to 2^63-1 (an absolute
time in seconds up to (2^63-1)/1000). The machine keeps absolute expiries in
microseconds of log time as Python ints, so the whole range is representable; only a
relative time whose end overflows 64-bit milliseconds is an invalid expire time.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, INT64_MAX, parse_int

_EXPIRE_UNITS = (b"EX", b"PX", b"EXAT", b"PXAT")
_SECONDS = (b"EX", b"EXAT")
_RELATIVE = (b"EX", b"PX")

SECONDS_MIN = -((1 << 63) // 1000)
"""C's ``LLONG_MIN / 1000`` (it truncates toward zero): the least EXPIRE seconds."""
SECONDS_MAX = INT64_MAX // 1000
"""The largest EXPIRE/EXAT seconds (``LLONG_MAX / 1000``)."""


def parse_set_options(args: list[bytes], now: int) -> tuple[set[bytes], int | None] | bytes:
    """``SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]``: the flags and
    the absolute expiry in microseconds (None: no new TTL), or the error reply."""
    parsed = parse_string_options(args, 3, setting=True)
    if isinstance(parsed, bytes):
        return parsed
    flags, unit, when = parsed
    if unit is None:
        return flags, None
    at = expiry(unit, when, now, b"set")
    return at if isinstance(at, bytes) else (flags, at)


def parse_string_options(
    args: list[bytes], start: int, *, setting: bool
) -> tuple[set[bytes], bytes | None, bytes] | bytes:
    """The options of SET (``setting``: NX, XX, GET, KEEPTTL) or GETEX (PERSIST), and
    EX/PX/EXAT/PXAT for both, from ``args[start:]``: (flags, unit or None, its value),
    or the syntax error. A unit may repeat (the last value counts), not mix."""
    flags: set[bytes] = set()
    unit: bytes | None = None
    when = b""
    i = start
    while i < len(args):
        opt = args[i].upper()
        if (
            setting
            and (
                (opt == b"NX" and b"XX" not in flags)
                or (opt == b"XX" and b"NX" not in flags)
                or opt == b"GET"
                or (opt == b"KEEPTTL" and unit is None)
            )
        ) or (not setting and opt == b"PERSIST" and unit is None):
            flags.add(opt)
        elif (
            opt in _EXPIRE_UNITS
            and unit in (None, opt)
            and not flags & {b"KEEPTTL", b"PERSIST"}
            and i + 1 < len(args)
        ):
            unit, when = opt, args[i + 1]
            i += 1
        else:
            return ERR_SYNTAX
        i += 1
    return flags, unit, when


def expiry(unit: bytes, text: bytes, now: int, command: bytes) -> int | bytes:
    """The absolute expiry in microseconds that ``unit`` (EX, PX, EXAT, PXAT) and its
    value ``text`` give at log time ``now``, or the error reply (not an integer; not
    positive; beyond 2^63-1 milliseconds)."""
    n = parse_int(text)
    if n is None:
        return ERR_NOT_INT
    seconds = unit in _SECONDS
    if n <= 0 or (seconds and n > SECONDS_MAX):
        return resp.expire_time_error(command)
    ms = n * 1000 if seconds else n
    if unit in _RELATIVE:
        if ms > INT64_MAX - now // 1000:
            return resp.expire_time_error(command)
        return now + ms * 1000
    return ms * 1000


def parse_expire_options(args: list[bytes]) -> set[bytes] | bytes:
    """The ``NX|XX|GT|LT`` flags of EXPIRE/PEXPIRE, or the error reply."""
    flags: set[bytes] = set()
    for arg in args[3:]:
        opt = arg.upper()
        if opt not in (b"NX", b"XX", b"GT", b"LT"):
            return resp.error(b"Unsupported option " + arg)
        flags.add(opt)
    if b"NX" in flags and len(flags) > 1:
        return resp.error(b"NX and XX, GT or LT options at the same time are not compatible")
    if b"GT" in flags and b"LT" in flags:
        return resp.error(b"GT and LT options at the same time are not compatible")
    return flags
