"""Hash commands: HSET, HMSET, HSETNX, HGET, HMGET, HGETALL, HDEL, HEXISTS, HLEN,
HSTRLEN, HKEYS, HVALS, HINCRBY, HINCRBYFLOAT, HSCAN, HRANDFIELD.

Replies list fields in the hash's own order (insertion order, the same on every
replica); Redis uses its hash-table order, which only small hashes share with us.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from rabia.kv import numbers, resp
from rabia.kv.commands.elements import (
    EMPTY_SCAN,
    ERR_OUT_OF_RANGE,
    ERR_TOO_MANY,
    any_longer,
    draw,
    element_at,
    parse_count,
    parse_cursor,
    parse_scan_options,
    scan_reply,
    scan_table,
)
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.resp import (
    ERR_NOT_INT,
    ERR_OVERFLOW,
    ERR_SYNTAX,
    ERR_VALUE_SIZE,
    INT64_MAX,
    INT64_MIN,
    NIL,
    ONE,
    ZERO,
    bulk_array,
    bulk_or_nil,
    integer,
    parse_int,
)
from rabia.kv.values.hashes import HashValue

ERR_HASH_NOT_INT = resp.error(b"hash value is not an integer")
ERR_HASH_NOT_FLOAT = resp.error(b"hash value is not a float")
ERR_NOT_FLOAT = resp.error(b"value is not a valid float")
ERR_NAN_OR_INF = resp.error(b"value is NaN or Infinity")
ERR_WOULD_BE_NAN_OR_INF = resp.error(b"increment would produce NaN or Infinity")
EMPTY_ARRAY = b"*0\r\n"


def _hash(ctx: Context, key: bytes) -> HashValue | None:
    """The hash at ``key`` (None: no key); ``WrongType`` for another type."""
    return ctx.keyspace.get_typed(key, HashValue)


def _for_write(ctx: Context, key: bytes) -> HashValue | bytes:
    """The hash at ``key``, or a new empty one (not stored yet), or the error for
    creating ``key``."""
    found = _hash(ctx, key)
    if found is not None:
        return found
    error = ctx.check_new_key(key)
    return HashValue() if error is None else error


def _store(ctx: Context, key: bytes, h: HashValue, event: bytes) -> None:
    """Record a change of ``h`` (new or changed in place) with its event."""
    ks = ctx.keyspace
    ks.events.append((event, key))
    if ks.lookup(key) is h:
        ks.modified(key, h)
    else:
        ks.put_value(key, h)


def hset(ctx: Context, args: list[bytes]) -> bytes:
    if len(args) % 2:
        return resp.arity_error(args[0])
    if any_longer(args, ctx.limits.max_value_size, 2):
        return ERR_VALUE_SIZE
    h = _for_write(ctx, args[1])
    if isinstance(h, bytes):
        return h
    added = 0
    for i in range(2, len(args), 2):
        added += h.set(args[i], args[i + 1])
    _store(ctx, args[1], h, b"hset")
    return resp.OK if args[0][1:2] in (b"m", b"M") else integer(added)


def hsetnx(ctx: Context, args: list[bytes]) -> bytes:
    if len(args[2]) > ctx.limits.max_value_size or len(args[3]) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    h = _for_write(ctx, args[1])
    if isinstance(h, bytes):
        return h
    if h.get(args[2]) is not None:
        return ZERO
    h.set(args[2], args[3])
    _store(ctx, args[1], h, b"hset")
    return ONE


def hget(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    return NIL if h is None else bulk_or_nil(h.get(args[2]))


def hmget(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    if h is None:
        return bulk_array([None] * (len(args) - 2))
    return bulk_array([h.get(f) for f in args[2:]])


def hgetall(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    return EMPTY_ARRAY if h is None else bulk_array(h.flat())


def hkeys(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    return EMPTY_ARRAY if h is None else bulk_array(h.fields())


def hvals(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    return EMPTY_ARRAY if h is None else bulk_array(h.values())


def hdel(ctx: Context, args: list[bytes]) -> bytes:
    key = args[1]
    h = _hash(ctx, key)
    if h is None:
        return ZERO
    deleted = 0
    for field in args[2:]:
        deleted += h.delete(field)
        if not len(h):
            break
    if deleted:
        ctx.keyspace.events.append((b"hdel", key))
        ctx.keyspace.modified(key, h)  # removes an emptied hash, with its del event
    return integer(deleted)


def hexists(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    return ONE if h is not None and h.get(args[2]) is not None else ZERO


def hlen(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    return integer(0 if h is None else len(h))


def hstrlen(ctx: Context, args: list[bytes]) -> bytes:
    h = _hash(ctx, args[1])
    value = None if h is None else h.get(args[2])
    return integer(0 if value is None else len(value))


def hincrby(ctx: Context, args: list[bytes]) -> bytes:
    delta = parse_int(args[3])
    if delta is None:
        return ERR_NOT_INT
    h = _for_write(ctx, args[1])
    if isinstance(h, bytes):
        return h
    old = h.get(args[2])
    current = 0 if old is None else parse_int(old)
    if current is None:
        return ERR_HASH_NOT_INT
    value = current + delta
    if not INT64_MIN <= value <= INT64_MAX:
        return ERR_OVERFLOW
    h.set(args[2], b"%d" % value)
    _store(ctx, args[1], h, b"hincrby")
    return integer(value)


def hincrbyfloat(ctx: Context, args: list[bytes]) -> bytes:
    delta = numbers.parse_long_double(args[3])
    if delta is None:
        return ERR_NOT_FLOAT
    if not isinstance(delta, Fraction):
        return ERR_NAN_OR_INF
    h = _for_write(ctx, args[1])
    if isinstance(h, bytes):
        return h
    old = h.get(args[2])
    current = Fraction(0) if old is None else numbers.parse_long_double(old)
    if current is None:
        return ERR_HASH_NOT_FLOAT
    value = numbers.add(current, delta)
    if isinstance(value, float):
        return ERR_WOULD_BE_NAN_OR_INF
    text = numbers.format_human(value)
    h.set(args[2], text)
    _store(ctx, args[1], h, b"hincrbyfloat")
    return resp.bulk(text)


def hscan(ctx: Context, args: list[bytes]) -> bytes:
    cursor = parse_cursor(args[2])
    if cursor is None:
        return resp.ERR_INVALID_CURSOR
    h = _hash(ctx, args[1])
    if h is None:
        return EMPTY_SCAN
    options = parse_scan_options(args, novalues=True)
    if isinstance(options, bytes):
        return options
    table = h.table()
    if table is None or h.encoding() == b"listpack":
        cursor, fields = 0, h.fields()
    else:
        cursor, fields = scan_table(table, cursor, options.batch)
    match = options.match
    if match is not None:
        fields = [f for f in fields if match(f)]
    if options.novalues:
        return scan_reply(cursor, fields)
    get = h.get
    return scan_reply(cursor, [x for f in fields for x in (f, get(f) or b"")])


def hrandfield(ctx: Context, args: list[bytes]) -> bytes:
    if len(args) == 2:
        h = _hash(ctx, args[1])
        if h is None:
            return NIL
        index = ctx.random().randrange(len(h))
        table = h.table()
        return resp.bulk(h.fields()[index] if table is None else element_at(table, index))
    count = parse_count(args[2])
    if isinstance(count, bytes):
        return count
    if len(args) > 4 or (len(args) == 4 and args[3].upper() != b"WITHVALUES"):
        return ERR_SYNTAX
    with_values = len(args) == 4
    if with_values and not -(INT64_MAX // 2) <= count <= INT64_MAX // 2:
        return ERR_OUT_OF_RANGE
    h = _hash(ctx, args[1])
    if h is None or count == 0:
        return EMPTY_ARRAY
    if -count > ctx.limits.max_value_size:
        return ERR_TOO_MANY
    flat = h.flat()
    pairs = list(zip(flat[0::2], flat[1::2], strict=True))
    # As Redis: a count of 1 draws like a negative count (any field).
    chosen = draw(ctx.random(), pairs, -1 if count == 1 else count)
    if with_values:
        return bulk_array([x for pair in chosen for x in pair])
    return bulk_array([field for field, _ in chosen])


def _hrandfield_resp3(args: list[bytes]) -> Callable[[bytes], bytes] | None:
    """RESP3: WITHVALUES answers [field, value] pairs."""
    return _pairs if len(args) == 4 else None


def _pairs(reply: bytes) -> bytes:
    return resp.flat_to_pairs(reply, second_is_double=False)


_W, _R = Flag.WRITE, Flag.READONLY
_GROW, _FAST = Flag.DENYOOM, Flag.FAST

ROWS = (
    CommandSpec(b"hset", -4, _W | _GROW | _FAST, FIRST_KEY, hset),
    CommandSpec(b"hmset", -4, _W | _GROW | _FAST, FIRST_KEY, hset),
    CommandSpec(b"hsetnx", 4, _W | _GROW | _FAST, FIRST_KEY, hsetnx),
    CommandSpec(b"hget", 3, _R | _FAST, FIRST_KEY, hget),
    CommandSpec(b"hmget", -3, _R | _FAST, FIRST_KEY, hmget),
    CommandSpec(b"hgetall", 2, _R, FIRST_KEY, hgetall, resp3=resp.flat_to_map),
    CommandSpec(b"hdel", -3, _W | _FAST, FIRST_KEY, hdel),
    CommandSpec(b"hexists", 3, _R | _FAST, FIRST_KEY, hexists),
    CommandSpec(b"hlen", 2, _R | _FAST, FIRST_KEY, hlen),
    CommandSpec(b"hstrlen", 3, _R | _FAST, FIRST_KEY, hstrlen),
    CommandSpec(b"hkeys", 2, _R, FIRST_KEY, hkeys),
    CommandSpec(b"hvals", 2, _R, FIRST_KEY, hvals),
    CommandSpec(b"hincrby", 4, _W | _GROW | _FAST, FIRST_KEY, hincrby),
    CommandSpec(b"hincrbyfloat", 4, _W | _GROW | _FAST, FIRST_KEY, hincrbyfloat),
    CommandSpec(b"hscan", -3, _R, FIRST_KEY, hscan),
    CommandSpec(b"hrandfield", -2, _R, FIRST_KEY, hrandfield, resp3_of=_hrandfield_resp3),
)
"""The hash commands' rows of the command table."""
