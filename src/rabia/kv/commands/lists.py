"""List commands on one key: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE,
LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS.

Each checks its arguments and the key's type in Redis's order (so the same error wins),
changes nothing when it fails, and records the events Redis sends, in Redis's order: the
command's own event, then ``del`` when it left the list empty (``Keyspace.modified``).
The commands across keys (LMOVE, LMPOP) and the blocking ones are in ``list_moves``.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.elements import any_longer
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.resp import (
    ERR_NOT_INT,
    ERR_SYNTAX,
    ERR_VALUE_SIZE,
    INT64_MIN,
    NIL,
    NULL_ARRAY,
    OK,
    ZERO,
    bulk_or_nil,
    integer,
    parse_int,
)
from rabia.kv.values.list import ListValue

ERR_NO_SUCH_KEY = b"-ERR no such key\r\n"
ERR_INDEX = b"-ERR index out of range\r\n"
ERR_MUST_BE_POSITIVE = b"value is out of range, must be positive"
ERR_RANK_ZERO = resp.error(
    b"RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
    b"or use negative to start from the end of the list"
)
EMPTY_ARRAY = b"*0\r\n"


def parse_positive(text: bytes, message: bytes) -> int | bytes:
    """A count from 0 up, or ``-ERR message`` (for non-integers too, as Redis does)."""
    n = parse_int(text)
    return resp.error(message) if n is None or n < 0 else n


def bulks(elements: list[bytes]) -> bytes:
    """An array of bulk strings (``resp.bulk_array`` without its generality)."""
    return b"*%d\r\n%s" % (
        len(elements),
        b"".join([b"$%d\r\n%s\r\n" % (len(e), e) for e in elements]),
    )


def oversized(ctx: Context, elements: list[bytes]) -> bool:
    """Whether an element is over the machine's value size limit."""
    return any_longer(elements, ctx.limits.max_value_size)


def pop(ctx: Context, key: bytes, value: ListValue, left: bool, count: int) -> list[bytes]:
    """Pop up to ``count`` elements (in popping order) with the ``lpop``/``rpop`` event,
    then ``del`` if the list is left empty."""
    taken = value.pop_left(count) if left else value.pop_right(count)
    ctx.keyspace.events.append((b"lpop" if left else b"rpop", key))
    ctx.keyspace.modified(key, value)
    return taken


def push(
    ctx: Context, key: bytes, value: ListValue | None, left: bool, elements: list[bytes]
) -> int:
    """Push ``elements`` on ``value`` (None: a new list at ``key``, already checked with
    ``check_new_key``) with the ``lpush``/``rpush`` event; the new length."""
    ks = ctx.keyspace
    if value is None:
        value = ListValue()
        (value.push_left if left else value.push_right)(elements)
        ks.put_value(key, value)
    else:
        (value.push_left if left else value.push_right)(elements)
        ks.modified(key, value)
    ks.events.append((b"lpush" if left else b"rpush", key))
    return len(value)


def _push(ctx: Context, args: list[bytes], left: bool, existing_only: bool) -> bytes:
    key, elements = args[1], args[2:]
    value = ctx.keyspace.get_typed(key, ListValue)
    if value is None and existing_only:
        return ZERO
    if oversized(ctx, elements):
        return ERR_VALUE_SIZE
    if value is None and (error := ctx.check_new_key(key)) is not None:
        return error
    return integer(push(ctx, key, value, left, elements))


def lpush(ctx: Context, args: list[bytes]) -> bytes:
    return _push(ctx, args, left=True, existing_only=False)


def rpush(ctx: Context, args: list[bytes]) -> bytes:
    return _push(ctx, args, left=False, existing_only=False)


def lpushx(ctx: Context, args: list[bytes]) -> bytes:
    return _push(ctx, args, left=True, existing_only=True)


def rpushx(ctx: Context, args: list[bytes]) -> bytes:
    return _push(ctx, args, left=False, existing_only=True)


def _pop(ctx: Context, args: list[bytes], left: bool) -> bytes:
    if len(args) > 3:
        return resp.arity_error(args[0])
    count = None
    if len(args) == 3:
        parsed = parse_positive(args[2], ERR_MUST_BE_POSITIVE)
        if isinstance(parsed, bytes):
            return parsed
        count = parsed
    key = args[1]
    value = ctx.keyspace.get_typed(key, ListValue)
    if value is None:
        return NIL if count is None else NULL_ARRAY
    if count is None:
        return resp.bulk(pop(ctx, key, value, left, 1)[0])
    if not count:
        return EMPTY_ARRAY
    return bulks(pop(ctx, key, value, left, count))


def lpop(ctx: Context, args: list[bytes]) -> bytes:
    return _pop(ctx, args, left=True)


def rpop(ctx: Context, args: list[bytes]) -> bytes:
    return _pop(ctx, args, left=False)


def llen(ctx: Context, args: list[bytes]) -> bytes:
    value = ctx.keyspace.get_typed(args[1], ListValue)
    return integer(0 if value is None else len(value))


def span(start: int, stop: int, length: int) -> tuple[int, int]:
    """Redis's inclusive ``start``..``stop`` (negative: from the end) over a list of
    ``length``, as a slice ``lo:hi`` (empty: ``lo == hi``)."""
    if start < 0:
        start = max(start + length, 0)
    if stop < 0:
        stop += length
    if start > stop or start >= length:
        return 0, 0
    return start, min(stop, length - 1) + 1


def _two_ints(args: list[bytes]) -> tuple[int, int] | None:
    start, stop = parse_int(args[2]), parse_int(args[3])
    return None if start is None or stop is None else (start, stop)


def lrange(ctx: Context, args: list[bytes]) -> bytes:
    bounds = _two_ints(args)
    if bounds is None:
        return ERR_NOT_INT
    value = ctx.keyspace.get_typed(args[1], ListValue)
    if value is None:
        return EMPTY_ARRAY
    return bulks(value.slice(*span(*bounds, len(value))))


def ltrim(ctx: Context, args: list[bytes]) -> bytes:
    bounds = _two_ints(args)
    if bounds is None:
        return ERR_NOT_INT
    key, ks = args[1], ctx.keyspace
    value = ks.get_typed(key, ListValue)
    if value is None:
        return OK
    value.trim(*span(*bounds, len(value)))
    ks.events.append((b"ltrim", key))  # even when nothing was removed, as Redis does
    ks.modified(key, value)
    return OK


def lindex(ctx: Context, args: list[bytes]) -> bytes:
    value = ctx.keyspace.get_typed(args[1], ListValue)
    if value is None:
        return NIL
    index = parse_int(args[2])
    if index is None:
        return ERR_NOT_INT
    return bulk_or_nil(value.get(index))


def lset(ctx: Context, args: list[bytes]) -> bytes:
    key, ks = args[1], ctx.keyspace
    value = ks.get_typed(key, ListValue)
    if value is None:
        return ERR_NO_SUCH_KEY
    index = parse_int(args[2])
    if index is None:
        return ERR_NOT_INT
    if oversized(ctx, args[3:]):
        return ERR_VALUE_SIZE
    if not value.set(index, args[3]):
        return ERR_INDEX
    ks.events.append((b"lset", key))
    ks.modified(key, value)
    return OK


def linsert(ctx: Context, args: list[bytes]) -> bytes:
    where = args[2].lower()
    if where not in (b"before", b"after"):
        return ERR_SYNTAX
    key, ks = args[1], ctx.keyspace
    value = ks.get_typed(key, ListValue)
    if value is None:
        return ZERO
    if oversized(ctx, args[4:]):
        return ERR_VALUE_SIZE
    if not value.insert(args[3], args[4], after=where == b"after"):
        return b":-1\r\n"
    ks.events.append((b"linsert", key))
    ks.modified(key, value)
    return integer(len(value))


def lrem(ctx: Context, args: list[bytes]) -> bytes:
    count = parse_int(args[2])
    if count is None:
        return ERR_NOT_INT
    key, ks = args[1], ctx.keyspace
    value = ks.get_typed(key, ListValue)
    if value is None:
        return ZERO
    removed = value.remove(args[3], count)
    if removed:
        ks.events.append((b"lrem", key))
        ks.modified(key, value)
    return integer(removed)


def _lpos_options(args: list[bytes]) -> tuple[int, int | None, int] | bytes:
    """(rank, count or None when not given, maxlen), or the error."""
    rank, count, maxlen = 1, None, 0
    position = 3
    while position < len(args):
        option = args[position].lower()
        if position + 1 >= len(args) or option not in (b"rank", b"count", b"maxlen"):
            return ERR_SYNTAX
        text = args[position + 1]
        position += 2
        if option == b"rank":
            parsed = parse_int(text)
            if parsed is None:
                return ERR_NOT_INT
            if not parsed:
                return ERR_RANK_ZERO
            rank = parsed
            continue
        number = parse_positive(text, b"%s can't be negative" % option.upper())
        if isinstance(number, bytes):
            return number
        if option == b"count":
            count = number
        else:
            maxlen = number
    return rank, count, maxlen


def lpos(ctx: Context, args: list[bytes]) -> bytes:
    options = _lpos_options(args)
    if isinstance(options, bytes):
        return options
    rank, count, maxlen = options
    value = ctx.keyspace.get_typed(args[1], ListValue)
    if value is None:
        return NIL if count is None else EMPTY_ARRAY
    # Redis negates the rank in 64 bits: the lowest rank stays negative, so every match
    # passes it and no COUNT is ever reached.
    wraps = rank == INT64_MIN
    reverse, rank = rank < 0, 1 if wraps else abs(rank)
    found: list[int] = []
    for matches, index in enumerate(value.find(args[2], reverse, maxlen), start=1):
        if matches < rank:
            continue
        if count is None:
            return integer(index)
        found.append(index)
        if count and not wraps and len(found) >= count:
            break
    return NIL if count is None else resp.array(integer(i) for i in found)


_W, _R = Flag.WRITE, Flag.READONLY
_GROW, _FAST = Flag.DENYOOM, Flag.FAST

ROWS = (
    CommandSpec(b"lpush", -3, _W | _GROW | _FAST, FIRST_KEY, lpush),
    CommandSpec(b"rpush", -3, _W | _GROW | _FAST, FIRST_KEY, rpush),
    CommandSpec(b"lpushx", -3, _W | _GROW | _FAST, FIRST_KEY, lpushx),
    CommandSpec(b"rpushx", -3, _W | _GROW | _FAST, FIRST_KEY, rpushx),
    CommandSpec(b"lpop", -2, _W | _FAST, FIRST_KEY, lpop),
    CommandSpec(b"rpop", -2, _W | _FAST, FIRST_KEY, rpop),
    CommandSpec(b"llen", 2, _R | _FAST, FIRST_KEY, llen),
    CommandSpec(b"lrange", 4, _R, FIRST_KEY, lrange),
    CommandSpec(b"lindex", 3, _R, FIRST_KEY, lindex),
    CommandSpec(b"lset", 4, _W | _GROW, FIRST_KEY, lset),
    CommandSpec(b"linsert", 5, _W | _GROW, FIRST_KEY, linsert),
    CommandSpec(b"lrem", 4, _W, FIRST_KEY, lrem),
    CommandSpec(b"ltrim", 4, _W, FIRST_KEY, ltrim),
    CommandSpec(b"lpos", -3, _R, FIRST_KEY, lpos),
)
"""The rows of the list commands on one key."""
