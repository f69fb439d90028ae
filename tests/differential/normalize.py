"""Normalizations of replies that depend on when a command ran, shared by the suites of
this folder (each is listed as a deliberate difference, or a clock effect, in docs/kv.md).

rabia's machine and redis-server run the same commands a few microseconds apart, each by
its own clock (the machine by log time, which follows the wall clock here), so replies
that report times may differ by a millisecond or straddle a second. They are compared
by bucket instead."""

from __future__ import annotations

import time

from tests.differential.oracle import Command, array_items


def _integer(reply: bytes) -> int | None:
    return int(reply[1:-2]) if reply.startswith(b":") else None


ABSOLUTE_SECONDS = (1, 2_000_000_000, 9_223_372_036_854_775)
"""The absolute times (EXPIREAT, EXAT...) the suites use, in seconds; with
``ABSOLUTE_MS`` (PEXPIREAT, PXAT), the times EXPIRETIME/PEXPIRETIME compare exactly."""
ABSOLUTE_MS = (2_000_000_000_000, 9_223_372_036_854_775_807)
EXACT = {*ABSOLUTE_SECONDS, *(s * 1000 for s in ABSOLUTE_SECONDS), *ABSOLUTE_MS}
EXACT |= {(ms + 500) // 1000 for ms in ABSOLUTE_MS}


def times(command: Command, reply: bytes) -> bytes:
    """TTL and PTTL: whole seconds left; EXPIRETIME and PEXPIRETIME: hundreds of
    seconds from now, except the absolute times the suites set (``EXACT``); TIME:
    whether it is now (within a minute)."""
    name = command[0].upper()
    if name == b"TIME" and reply.startswith(b"*2\r\n"):
        seconds = int(array_items(reply)[0].split(b"\r\n")[1])
        return b"+now\r\n" if abs(seconds - time.time()) < 60 else reply
    value = _integer(reply)
    if value is None or value < 0:
        return reply
    if name == b"PTTL":
        return b":%d\r\n" % ((value + 500) // 1000)
    if name in (b"EXPIRETIME", b"PEXPIRETIME") and value not in EXACT:
        ms = value * 1000 if name == b"EXPIRETIME" else value
        from_now = ms - time.time_ns() // 1_000_000
        return b":~%d\r\n" % round(from_now / 100_000)
    return reply
