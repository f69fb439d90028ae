"""Key commands of any type: DEL, UNLINK, EXISTS, TOUCH, the expiry commands (EXPIRE,
PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST), TYPE, KEYS,
SCAN (RENAME, COPY, RANDOMKEY, OBJECT: ``generic.py``; SORT: ``sort.py``).

Expiries are absolute microseconds of log time (``Keyspace.now``), unbounded ints, so
that any time Redis accepts (milliseconds up to 2^63-1) is kept exactly.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import ALL_KEYS, FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.glob import matcher
from rabia.kv.options import SECONDS_MAX, SECONDS_MIN, parse_expire_options
from rabia.kv.resp import ERR_NOT_INT, INT64_MAX, ONE, ZERO, integer, parse_int
from rabia.kv.scan import scan as scan_keyspace


def del_(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    removed = 0
    for key in args[1:]:
        if ks.delete(key):
            ks.events.append((b"del", key))
            removed += 1
    return integer(removed)


def exists(ctx: Context, args: list[bytes]) -> bytes:
    """EXISTS (and TOUCH, as access times are not kept): how many keys exist, each
    counted as often as it is named."""
    live = ctx.keyspace.exists
    return integer(sum(live(k) for k in args[1:]))


def _expire_generic(ctx: Context, args: list[bytes], seconds: bool, relative: bool) -> bytes:
    """EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX|XX|GT|LT. As in Redis, the time is
    refused only when it does not fit 64-bit milliseconds (relative ones once added to
    the current time); a time not in the future deletes the key."""
    flags = parse_expire_options(args)
    if isinstance(flags, bytes):
        return flags
    n = parse_int(args[2])
    if n is None:
        return ERR_NOT_INT
    ks = ctx.keyspace
    if seconds and not SECONDS_MIN <= n <= SECONDS_MAX:
        return resp.expire_time_error(args[0])
    ms = n * 1000 if seconds else n
    if ms > INT64_MAX - (ks.now // 1000 if relative else 0):
        return resp.expire_time_error(args[0])
    at = ms * 1000 + (ks.now if relative else 0)
    key = args[1]
    if not ks.exists(key):
        return ZERO
    current = ks.expiry(key)
    if (
        (b"NX" in flags and current is not None)
        or (b"XX" in flags and current is None)
        or (b"GT" in flags and (current is None or at <= current))
        or (b"LT" in flags and current is not None and at >= current)
    ):
        return ZERO
    ks.expire_at(key, at)
    return ONE


def expire(ctx: Context, args: list[bytes]) -> bytes:
    return _expire_generic(ctx, args, seconds=True, relative=True)


def pexpire(ctx: Context, args: list[bytes]) -> bytes:
    return _expire_generic(ctx, args, seconds=False, relative=True)


def expireat(ctx: Context, args: list[bytes]) -> bytes:
    return _expire_generic(ctx, args, seconds=True, relative=False)


def pexpireat(ctx: Context, args: list[bytes]) -> bytes:
    return _expire_generic(ctx, args, seconds=False, relative=False)


def _remaining_ms(ctx: Context, key: bytes) -> int:
    ks = ctx.keyspace
    if not ks.exists(key):
        return -2
    at = ks.expiry(key)
    return -1 if at is None else (at - ks.now + 999) // 1000


def _expiry_ms(ctx: Context, key: bytes) -> int:
    """The absolute expiry in milliseconds; -1 without one, -2 for no such key."""
    ks = ctx.keyspace
    if not ks.exists(key):
        return -2
    at = ks.expiry(key)
    return -1 if at is None else max(at // 1000, 0)


def expiretime(ctx: Context, args: list[bytes]) -> bytes:
    ms = _expiry_ms(ctx, args[1])
    return integer(ms if ms < 0 else (ms + 500) // 1000)


def pexpiretime(ctx: Context, args: list[bytes]) -> bytes:
    return integer(_expiry_ms(ctx, args[1]))


def ttl(ctx: Context, args: list[bytes]) -> bytes:
    ms = _remaining_ms(ctx, args[1])
    return integer(ms if ms < 0 else (ms + 500) // 1000)


def pttl(ctx: Context, args: list[bytes]) -> bytes:
    return integer(_remaining_ms(ctx, args[1]))


def persist(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    if not ks.exists(args[1]) or ks.expiry(args[1]) is None:
        return ZERO
    ks.set_expiry(args[1], None)
    ks.events.append((b"persist", args[1]))
    return ONE


def type_(ctx: Context, args: list[bytes]) -> bytes:
    return resp.simple(ctx.keyspace.type_name(args[1]))


def keys(ctx: Context, args: list[bytes]) -> bytes:
    match = matcher(args[1])
    return resp.bulk_array(k for k in ctx.keyspace.sorted_keys() if match(k))


def scan(ctx: Context, args: list[bytes]) -> bytes:
    return scan_keyspace(ctx.keyspace, args)


_W, _R, _FAST = Flag.WRITE, Flag.READONLY, Flag.FAST

ROWS = (
    CommandSpec(b"del", -2, _W, ALL_KEYS, del_),
    CommandSpec(b"unlink", -2, _W | _FAST, ALL_KEYS, del_),
    CommandSpec(b"exists", -2, _R | _FAST, ALL_KEYS, exists),
    CommandSpec(b"touch", -2, _R | _FAST, ALL_KEYS, exists),
    CommandSpec(b"expire", -3, _W | _FAST, FIRST_KEY, expire),
    CommandSpec(b"pexpire", -3, _W | _FAST, FIRST_KEY, pexpire),
    CommandSpec(b"expireat", -3, _W | _FAST, FIRST_KEY, expireat),
    CommandSpec(b"pexpireat", -3, _W | _FAST, FIRST_KEY, pexpireat),
    CommandSpec(b"ttl", 2, _R | _FAST, FIRST_KEY, ttl),
    CommandSpec(b"pttl", 2, _R | _FAST, FIRST_KEY, pttl),
    CommandSpec(b"expiretime", 2, _R | _FAST, FIRST_KEY, expiretime),
    CommandSpec(b"pexpiretime", 2, _R | _FAST, FIRST_KEY, pexpiretime),
    CommandSpec(b"persist", 2, _W | _FAST, FIRST_KEY, persist),
    CommandSpec(b"type", 2, _R | _FAST, FIRST_KEY, type_),
    CommandSpec(b"keys", 2, _R, handler=keys),
    CommandSpec(b"scan", -2, _R, handler=scan),
)
"""The key commands' rows of the command table."""
