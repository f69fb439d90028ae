"""String commands: GET, SET, GETDEL, MGET, MSET, APPEND, STRLEN, INCR/DECR(BY)."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import ALL_KEYS, FIRST_KEY, KEY_VALUE_PAIRS, CommandSpec, Context, Flag
from rabia.kv.options import parse_set_options
from rabia.kv.resp import (
    ERR_KEY_SIZE,
    ERR_MAX_KEYS,
    ERR_NOT_INT,
    ERR_VALUE_SIZE,
    INT64_MAX,
    INT64_MIN,
    NIL,
    OK,
    bulk_or_nil,
    integer,
    parse_int,
)


def get(ctx: Context, args: list[bytes]) -> bytes:
    return bulk_or_nil(ctx.keyspace.get(args[1]))


def set_(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    parsed = parse_set_options(args, ks.now)
    if isinstance(parsed, bytes):
        return parsed
    flags, at = parsed
    key, value = args[1], args[2]
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    old = ks.get(key)
    reply = bulk_or_nil(old) if b"GET" in flags else OK
    if (b"NX" in flags and old is not None) or (b"XX" in flags and old is None):
        return reply if b"GET" in flags else NIL
    if old is None and (error := ctx.check_new_key(key)) is not None:
        return error
    ks.put(key, value, keep_ttl=b"KEEPTTL" in flags)
    ks.events.append((b"set", key))
    if at is not None:
        ks.expire_at(key, at)
    return reply


def getdel(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    value = ks.get(args[1])
    if value is not None:
        ks.delete(args[1])
        ks.events.append((b"del", args[1]))
    return bulk_or_nil(value)


def mget(ctx: Context, args: list[bytes]) -> bytes:
    get_ = ctx.keyspace.get
    return resp.bulk_array(get_(k) for k in args[1:])


def mset(ctx: Context, args: list[bytes]) -> bytes:
    if len(args) % 2 == 0:
        return resp.arity_error(args[0])
    pairs = list(zip(args[1::2], args[2::2], strict=True))
    ks, limits = ctx.keyspace, ctx.limits
    new = {k for k, _ in pairs if ks.get(k) is None}
    if any(len(v) > limits.max_value_size for _, v in pairs):
        return ERR_VALUE_SIZE
    if any(len(k) > limits.max_key_size for k in new):
        return ERR_KEY_SIZE
    if new and len(ks) + len(new) > limits.max_keys:
        return ERR_MAX_KEYS
    for key, value in pairs:
        ks.put(key, value)
        ks.events.append((b"set", key))
    return OK


def append(ctx: Context, args: list[bytes]) -> bytes:
    key, ks = args[1], ctx.keyspace
    old = ks.get(key)
    if old is None and (error := ctx.check_new_key(key)) is not None:
        return error
    value = args[2] if old is None else old + args[2]
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    ks.put(key, value, keep_ttl=True)
    ks.events.append((b"append", key))
    return integer(len(value))


def strlen(ctx: Context, args: list[bytes]) -> bytes:
    value = ctx.keyspace.get(args[1])
    return integer(0 if value is None else len(value))


def _incr_by(ctx: Context, key: bytes, delta: int, event: bytes = b"incrby") -> bytes:
    ks = ctx.keyspace
    old = ks.get(key)
    if old is None:
        if (error := ctx.check_new_key(key)) is not None:
            return error
        current = 0
    else:
        parsed = parse_int(old)
        if parsed is None:
            return ERR_NOT_INT
        current = parsed
    value = current + delta
    if not INT64_MIN <= value <= INT64_MAX:
        return resp.ERR_OVERFLOW
    ks.put(key, b"%d" % value, keep_ttl=True)
    ks.events.append((event, key))
    return integer(value)


def incr(ctx: Context, args: list[bytes]) -> bytes:
    return _incr_by(ctx, args[1], 1)


def decr(ctx: Context, args: list[bytes]) -> bytes:
    return _incr_by(ctx, args[1], -1, b"decrby")


def incrby(ctx: Context, args: list[bytes]) -> bytes:
    delta = parse_int(args[2])
    return ERR_NOT_INT if delta is None else _incr_by(ctx, args[1], delta)


def decrby(ctx: Context, args: list[bytes]) -> bytes:
    delta = parse_int(args[2])
    if delta is None:
        return ERR_NOT_INT
    if delta == INT64_MIN:
        return resp.ERR_DECR_OVERFLOW
    return _incr_by(ctx, args[1], -delta, b"decrby")


_W, _R = Flag.WRITE, Flag.READONLY
_GROW, _FAST = Flag.DENYOOM, Flag.FAST

ROWS = (
    CommandSpec(b"get", 2, _R | _FAST, FIRST_KEY, get),
    CommandSpec(b"set", -3, _W | _GROW, FIRST_KEY, set_),
    CommandSpec(b"getdel", 2, _W | _FAST, FIRST_KEY, getdel),
    CommandSpec(b"mget", -2, _R | _FAST, ALL_KEYS, mget),
    CommandSpec(b"mset", -3, _W | _GROW, KEY_VALUE_PAIRS, mset),
    CommandSpec(b"append", 3, _W | _GROW | _FAST, FIRST_KEY, append),
    CommandSpec(b"strlen", 2, _R | _FAST, FIRST_KEY, strlen),
    CommandSpec(b"incr", 2, _W | _GROW | _FAST, FIRST_KEY, incr),
    CommandSpec(b"decr", 2, _W | _GROW | _FAST, FIRST_KEY, decr),
    CommandSpec(b"incrby", 3, _W | _GROW | _FAST, FIRST_KEY, incrby),
    CommandSpec(b"decrby", 3, _W | _GROW | _FAST, FIRST_KEY, decrby),
)
"""The string commands' rows of the command table."""
