"""Option parsing of SET and EXPIRE/PEXPIRE, with Redis's errors and their order."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, INT64_MAX, parse_int

_EXPIRE_UNITS = (b"EX", b"PX", b"EXAT", b"PXAT")


def parse_set_options(args: list[bytes], now: int) -> tuple[set[bytes], int | None] | bytes:
    """``SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]``: the flags and
    the absolute expiry in microseconds (None: no new TTL), or the error reply."""
    flags: set[bytes] = set()
    unit: bytes | None = None
    when = b""
    i = 3
    while i < len(args):
        opt = args[i].upper()
        if (
            (opt == b"NX" and b"XX" not in flags)
            or (opt == b"XX" and b"NX" not in flags)
            or opt == b"GET"
            or (opt == b"KEEPTTL" and unit is None)
        ):
            flags.add(opt)
        elif (
            opt in _EXPIRE_UNITS
            and unit in (None, opt)
            and b"KEEPTTL" not in flags
            and i + 1 < len(args)
        ):
            unit, when = opt, args[i + 1]
            i += 1
        else:
            return ERR_SYNTAX
        i += 1
    if unit is None:
        return flags, None
    n = parse_int(when)
    if n is None:
        return ERR_NOT_INT
    seconds = unit in (b"EX", b"EXAT")
    if n <= 0 or (seconds and n > INT64_MAX // 1000):
        return resp.expire_time_error(b"set")
    at = n * (1_000_000 if seconds else 1000) + (now if unit in (b"EX", b"PX") else 0)
    if at > INT64_MAX:
        return resp.expire_time_error(b"set")
    return flags, at


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
