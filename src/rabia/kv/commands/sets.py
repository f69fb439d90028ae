"""Set commands on one set: SADD, SREM, SISMEMBER, SMISMEMBER, SCARD, SPOP,
SRANDMEMBER, SMOVE, SSCAN (SMEMBERS and the multi-set operations: ``setops``).

Replies list members in the set's own order (insertion order, the same on every
replica); Redis uses its intset or hash-table order. Random choices come from the log
entry's seed (``Context.random``), so every replica pops the same members.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.elements import (
    EMPTY_SCAN,
    ERR_COUNT_POSITIVE,
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
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag, KeyPositions
from rabia.kv.resp import (
    ERR_SYNTAX,
    ERR_VALUE_SIZE,
    NIL,
    ONE,
    ZERO,
    bulk_array,
    integer,
    parse_int,
)
from rabia.kv.values.sets import SetValue

EMPTY_ARRAY = b"*0\r\n"


def get_set(ctx: Context, key: bytes) -> SetValue | None:
    """The set at ``key`` (None: no key); ``WrongType`` for another type."""
    return ctx.keyspace.get_typed(key, SetValue)


def sadd(ctx: Context, args: list[bytes]) -> bytes:
    key, ks = args[1], ctx.keyspace
    s = get_set(ctx, key)
    if any_longer(args, ctx.limits.max_value_size, 2):
        return ERR_VALUE_SIZE
    if s is None:
        if (error := ctx.check_new_key(key)) is not None:
            return error
        s = SetValue(args[2:])
        ks.put_value(key, s)
        ks.events.append((b"sadd", key))
        return integer(len(s))
    added = s.add_all(args[2:])
    if added:
        ks.events.append((b"sadd", key))
        ks.modified(key, s)
    return integer(added)


def _removed(ctx: Context, key: bytes, s: SetValue, event: bytes) -> None:
    """Members left ``s``: its event, then (if emptied) the key's removal and ``del``."""
    ctx.keyspace.events.append((event, key))
    ctx.keyspace.modified(key, s)


def srem(ctx: Context, args: list[bytes]) -> bytes:
    s = get_set(ctx, args[1])
    if s is None:
        return ZERO
    removed = s.remove_all(args[2:])
    if removed:
        _removed(ctx, args[1], s, b"srem")
    return integer(removed)


def sismember(ctx: Context, args: list[bytes]) -> bytes:
    s = get_set(ctx, args[1])
    return ONE if s is not None and args[2] in s else ZERO


def smismember(ctx: Context, args: list[bytes]) -> bytes:
    s = get_set(ctx, args[1])
    return resp.array(ONE if s is not None and m in s else ZERO for m in args[2:])


def scard(ctx: Context, args: list[bytes]) -> bytes:
    s = get_set(ctx, args[1])
    return integer(0 if s is None else len(s))


def _random_member(ctx: Context, s: SetValue) -> bytes:
    index = ctx.random().randrange(len(s))
    table = s.table()
    return s.members()[index] if table is None else element_at(table, index)


def spop(ctx: Context, args: list[bytes]) -> bytes:
    key = args[1]
    if len(args) > 3:
        return ERR_SYNTAX
    if len(args) == 2:
        s = get_set(ctx, key)
        if s is None:
            return NIL
        member = _random_member(ctx, s)
        s.remove(member)
        _removed(ctx, key, s, b"spop")
        return resp.bulk(member)
    count = parse_int(args[2])
    if count is None or count < 0:
        return ERR_COUNT_POSITIVE
    s = get_set(ctx, key)
    if s is None or count == 0:
        return EMPTY_ARRAY
    members = s.members()
    popped = draw(ctx.random(), members, count)
    s.remove_all(popped)
    _removed(ctx, key, s, b"spop")
    return bulk_array(popped)


def srandmember(ctx: Context, args: list[bytes]) -> bytes:
    if len(args) > 3:
        return ERR_SYNTAX
    if len(args) == 2:
        s = get_set(ctx, args[1])
        return NIL if s is None else resp.bulk(_random_member(ctx, s))
    count = parse_count(args[2])
    if isinstance(count, bytes):
        return count
    s = get_set(ctx, args[1])
    if s is None or count == 0:
        return EMPTY_ARRAY
    if -count > ctx.limits.max_value_size:
        return ERR_TOO_MANY
    # As Redis: a count of 1 draws like a negative count (any member).
    return bulk_array(draw(ctx.random(), s.members(), -1 if count == 1 else count))


def smove(ctx: Context, args: list[bytes]) -> bytes:
    source, destination, member = args[1], args[2], args[3]
    ks = ctx.keyspace
    src = get_set(ctx, source)
    if src is None:
        return ZERO
    dst = get_set(ctx, destination)
    if src is dst:
        return ONE if member in src else ZERO
    if member not in src:
        return ZERO
    if dst is None and (error := ctx.check_new_key(destination)) is not None:
        return error
    src.remove(member)
    _removed(ctx, source, src, b"srem")
    if dst is None:
        ks.put_value(destination, SetValue((member,)))
        ks.events.append((b"sadd", destination))
    elif dst.add(member):
        ks.events.append((b"sadd", destination))
        ks.modified(destination, dst)
    return ONE


def sscan(ctx: Context, args: list[bytes]) -> bytes:
    cursor = parse_cursor(args[2])
    if cursor is None:
        return resp.ERR_INVALID_CURSOR
    s = get_set(ctx, args[1])
    if s is None:
        return EMPTY_SCAN
    options = parse_scan_options(args, novalues=False)
    if isinstance(options, bytes):
        return options
    table = s.table()
    if table is None or s.encoding() == b"intset":
        cursor, members = 0, s.members()
    else:
        cursor, members = scan_table(table, cursor, options.batch)
    match = options.match
    if match is not None:
        members = [m for m in members if match(m)]
    return scan_reply(cursor, members)


_W, _R = Flag.WRITE, Flag.READONLY
_GROW, _FAST = Flag.DENYOOM, Flag.FAST

ROWS = (
    CommandSpec(b"sadd", -3, _W | _GROW | _FAST, FIRST_KEY, sadd),
    CommandSpec(b"srem", -3, _W | _FAST, FIRST_KEY, srem),
    CommandSpec(b"sismember", 3, _R | _FAST, FIRST_KEY, sismember),
    CommandSpec(b"smismember", -3, _R | _FAST, FIRST_KEY, smismember),
    CommandSpec(b"scard", 2, _R | _FAST, FIRST_KEY, scard),
    CommandSpec(b"spop", -2, _W | _FAST, FIRST_KEY, spop, resp3=resp.array_to_set),
    CommandSpec(b"srandmember", -2, _R, FIRST_KEY, srandmember),
    CommandSpec(b"smove", 4, _W | _FAST, KeyPositions(1, 2, 1), smove),
    CommandSpec(b"sscan", -3, _R, FIRST_KEY, sscan),
)
"""The single-set commands' rows of the command table."""
