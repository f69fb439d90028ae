"""String commands: GET, SET (and SETNX, SETEX, PSETEX, GETSET, GETEX, GETDEL), MGET,
MSET, MSETNX, APPEND, STRLEN, INCR/DECR(BY), INCRBYFLOAT.

As in Redis, commands that replace a value (SET and its variants, MSET) overwrite a key
of any type; those that read or modify a string answer WRONGTYPE on another type.
"""

from __future__ import annotations

from fractions import Fraction

from rabia.kv import numbers, resp
from rabia.kv.commands.spec import ALL_KEYS, FIRST_KEY, KEY_VALUE_PAIRS, CommandSpec, Context, Flag
from rabia.kv.options import expiry, parse_set_options, parse_string_options
from rabia.kv.resp import (
    ERR_KEY_SIZE,
    ERR_MAX_KEYS,
    ERR_NOT_INT,
    ERR_VALUE_SIZE,
    INT64_MAX,
    INT64_MIN,
    NIL,
    OK,
    ONE,
    ZERO,
    bulk_or_nil,
    integer,
    parse_int,
)

ERR_NOT_FLOAT = resp.error(b"value is not a valid float")
ERR_NAN_OR_INF = resp.error(b"increment would produce NaN or Infinity")


def get(ctx: Context, args: list[bytes]) -> bytes:
    return bulk_or_nil(ctx.keyspace.get(args[1]))


def _set(ctx: Context, key: bytes, value: bytes, at: int | None, keep_ttl: bool = False) -> None:
    """Store a string (replacing any type): the ``set`` event, then the expiry."""
    ks = ctx.keyspace
    ks.put(key, value, keep_ttl=keep_ttl)
    ks.events.append((b"set", key))
    if at is not None:
        ks.expire_at(key, at)


def set_(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    if len(args) == 3:  # no option: the common case, as below without the parsing
        key, value = args[1], args[2]
        if len(value) > ctx.limits.max_value_size:
            return ERR_VALUE_SIZE
        if not ks.exists(key) and (error := ctx.check_new_key(key)) is not None:
            return error
        ks.put(key, value)
        ks.events.append((b"set", key))
        return OK
    parsed = parse_set_options(args, ks.now)
    if isinstance(parsed, bytes):
        return parsed
    flags, at = parsed
    key, value = args[1], args[2]
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    getting = b"GET" in flags
    if getting:
        old = ks.get(key)
        reply = bulk_or_nil(old)
        found = old is not None
    else:
        reply = OK
        found = ks.exists(key)
    if (b"NX" in flags and found) or (b"XX" in flags and not found):
        return reply if getting else NIL
    if not found and (error := ctx.check_new_key(key)) is not None:
        return error
    _set(ctx, key, value, at, keep_ttl=b"KEEPTTL" in flags)
    return reply


def setnx(ctx: Context, args: list[bytes]) -> bytes:
    key, value = args[1], args[2]
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    if ctx.keyspace.exists(key):
        return ZERO
    if (error := ctx.check_new_key(key)) is not None:
        return error
    _set(ctx, key, value, None)
    return ONE


def _set_with_expiry(ctx: Context, args: list[bytes], unit: bytes) -> bytes:
    """SETEX key seconds value / PSETEX key milliseconds value."""
    key, value = args[1], args[3]
    at = expiry(unit, args[2], ctx.keyspace.now, args[0])
    if isinstance(at, bytes):
        return at
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    if not ctx.keyspace.exists(key) and (error := ctx.check_new_key(key)) is not None:
        return error
    _set(ctx, key, value, at)
    return OK


def setex(ctx: Context, args: list[bytes]) -> bytes:
    return _set_with_expiry(ctx, args, b"EX")


def psetex(ctx: Context, args: list[bytes]) -> bytes:
    return _set_with_expiry(ctx, args, b"PX")


def getset(ctx: Context, args: list[bytes]) -> bytes:
    key, value = args[1], args[2]
    old = ctx.keyspace.get(key)
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    if old is None and (error := ctx.check_new_key(key)) is not None:
        return error
    _set(ctx, key, value, None)
    return bulk_or_nil(old)


def getex(ctx: Context, args: list[bytes]) -> bytes:
    """GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]: GET, then change the TTL."""
    parsed = parse_string_options(args, 2, setting=False)
    if isinstance(parsed, bytes):
        return parsed
    flags, unit, when = parsed
    ks, key = ctx.keyspace, args[1]
    value = ks.get(key)
    if value is None:
        return NIL
    if unit is not None:
        at = expiry(unit, when, ks.now, args[0])
        if isinstance(at, bytes):
            return at
        ks.expire_at(key, at)  # a time already past deletes the key (a del event)
    elif b"PERSIST" in flags and ks.expiry(key) is not None:
        ks.set_expiry(key, None)
        ks.events.append((b"persist", key))
    return resp.bulk(value)


def getdel(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    value = ks.get(args[1])
    if value is not None:
        ks.delete(args[1])
        ks.events.append((b"del", args[1]))
    return bulk_or_nil(value)


def mget(ctx: Context, args: list[bytes]) -> bytes:
    """Values of the keys; nil for a missing key or one of another type."""
    lookup = ctx.keyspace.lookup
    values = (lookup(k) for k in args[1:])
    return resp.bulk_array(v[8:] if type(v) is bytes else None for v in values)


def _mset_check(ctx: Context, args: list[bytes]) -> tuple[list[tuple[bytes, bytes]], bytes | None]:
    """MSET/MSETNX's pairs and the error refusing them all (arity, limits), if any."""
    if len(args) % 2 == 0:
        return [], resp.arity_error(args[0])
    pairs = list(zip(args[1::2], args[2::2], strict=True))
    ks, limits = ctx.keyspace, ctx.limits
    new = {k for k, _ in pairs if not ks.exists(k)}
    if any(len(v) > limits.max_value_size for _, v in pairs):
        return pairs, ERR_VALUE_SIZE
    if any(len(k) > limits.max_key_size for k in new):
        return pairs, ERR_KEY_SIZE
    if new and len(ks) + len(new) > limits.max_keys:
        return pairs, ERR_MAX_KEYS
    return pairs, None


def mset(ctx: Context, args: list[bytes]) -> bytes:
    pairs, error = _mset_check(ctx, args)
    if error is not None:
        return error
    for key, value in pairs:
        _set(ctx, key, value, None)
    return OK


def msetnx(ctx: Context, args: list[bytes]) -> bytes:
    """All the pairs, or none when any key exists (of any type)."""
    if len(args) % 2 == 1 and any(ctx.keyspace.exists(k) for k in args[1::2]):
        return ZERO
    pairs, error = _mset_check(ctx, args)
    if error is not None:
        return error
    for key, value in pairs:
        _set(ctx, key, value, None)
    return ONE


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


def incrbyfloat(ctx: Context, args: list[bytes]) -> bytes:
    """Add in 80-bit long double, as Redis on x86-64 does (``rabia.kv.numbers``); the
    result is written with up to 17 decimals, trailing zeros removed."""
    key, ks = args[1], ctx.keyspace
    old = ks.get(key)
    current = numbers.parse_long_double(old) if old is not None else Fraction(0)
    delta = numbers.parse_long_double(args[2])
    if current is None or delta is None:
        return ERR_NOT_FLOAT
    total = numbers.add(current, delta)
    if isinstance(total, float):
        return ERR_NAN_OR_INF
    if old is None and (error := ctx.check_new_key(key)) is not None:
        return error
    value = numbers.format_human(total)
    if len(value) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    ks.put(key, value, keep_ttl=True)
    ks.events.append((b"incrbyfloat", key))
    return resp.bulk(value)


_W, _R = Flag.WRITE, Flag.READONLY
_GROW, _FAST = Flag.DENYOOM, Flag.FAST

ROWS = (
    CommandSpec(b"get", 2, _R | _FAST, FIRST_KEY, get),
    CommandSpec(b"set", -3, _W | _GROW, FIRST_KEY, set_),
    CommandSpec(b"setnx", 3, _W | _GROW | _FAST, FIRST_KEY, setnx),
    CommandSpec(b"setex", 4, _W | _GROW, FIRST_KEY, setex),
    CommandSpec(b"psetex", 4, _W | _GROW, FIRST_KEY, psetex),
    CommandSpec(b"getset", 3, _W | _GROW | _FAST, FIRST_KEY, getset),
    CommandSpec(b"getex", -2, _W | _FAST, FIRST_KEY, getex),
    CommandSpec(b"getdel", 2, _W | _FAST, FIRST_KEY, getdel),
    CommandSpec(b"mget", -2, _R | _FAST, ALL_KEYS, mget),
    CommandSpec(b"mset", -3, _W | _GROW, KEY_VALUE_PAIRS, mset),
    CommandSpec(b"msetnx", -3, _W | _GROW, KEY_VALUE_PAIRS, msetnx),
    CommandSpec(b"append", 3, _W | _GROW | _FAST, FIRST_KEY, append),
    CommandSpec(b"strlen", 2, _R | _FAST, FIRST_KEY, strlen),
    CommandSpec(b"incr", 2, _W | _GROW | _FAST, FIRST_KEY, incr),
    CommandSpec(b"decr", 2, _W | _GROW | _FAST, FIRST_KEY, decr),
    CommandSpec(b"incrby", 3, _W | _GROW | _FAST, FIRST_KEY, incrby),
    CommandSpec(b"decrby", 3, _W | _GROW | _FAST, FIRST_KEY, decrby),
    CommandSpec(b"incrbyfloat", 3, _W | _GROW | _FAST, FIRST_KEY, incrbyfloat),
)
"""The string commands' rows of the command table."""
