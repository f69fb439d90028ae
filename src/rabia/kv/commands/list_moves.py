"""List commands across keys: LMOVE, RPOPLPUSH, LMPOP, and the blocking BLPOP, BRPOP,
BLMOVE, BRPOPLPUSH, BLMPOP.

A blocking command with something to serve serves it at once, exactly as its
non-blocking form; otherwise, having changed nothing, it returns ``ctx.block(keys,
timeout)`` (ADR 0014). The machine may run the same handler again, with the same
arguments, whenever one of the keys is written: it reads only its arguments and the state
of that moment. Inside EXEC it answers nil instead of blocking: ``*-1`` for the pops,
``$-1`` for the moves, as Redis does.

Key positions: LMPOP's and BLMPOP's keys are counted by ``numkeys``, which a
``KeyPositions`` cannot say. Their rows declare every argument from the first key to the
one before last (``LMPOP numkeys k1 .. kn LEFT [COUNT c]``): the keys plus tokens a valid
command must spell LEFT, RIGHT or COUNT, so the only effect of the extra positions is that
the election-key guard answers first when such a token starts with ``__election__:``.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.lists import pop, push
from rabia.kv.commands.spec import CommandSpec, Context, Flag, KeyPositions
from rabia.kv.commands.timeout import parse_seconds
from rabia.kv.resp import ERR_SYNTAX, NIL, NULL_ARRAY, bulk, parse_int
from rabia.kv.values.list import ListValue

SOURCE_AND_DESTINATION = KeyPositions(1, 2, 1)
ALL_BUT_TIMEOUT = KeyPositions(1, -2, 1)
LMPOP_KEYS = KeyPositions(2, -2, 1)
BLMPOP_KEYS = KeyPositions(3, -2, 1)


def _side(text: bytes) -> bool | None:
    """LEFT -> True, RIGHT -> False (any case), else None."""
    side = text.lower()
    return True if side == b"left" else False if side == b"right" else None


def _move(ctx: Context, args: list[bytes], source: ListValue, left: bool, to_left: bool) -> bytes:
    """Move one element of the non-empty ``source`` (at ``args[1]``) to ``args[2]``:
    events ``lpush``/``rpush`` on the destination, then ``lpop``/``rpop`` (and ``del``)
    on the source, as Redis sends them."""
    src, dst, ks = args[1], args[2], ctx.keyspace
    target = ks.get_typed(dst, ListValue)
    if target is None and (error := ctx.check_new_key(dst)) is not None:
        return error
    element = (source.pop_left if left else source.pop_right)(1)
    push(ctx, dst, target, to_left, element)  # the destination's waiters become ready
    ks.events.append((b"lpop" if left else b"rpop", src))
    ks.modified(src, source)
    return bulk(element[0])


def lmove(ctx: Context, args: list[bytes]) -> bytes:
    left, to_left = _side(args[3]), _side(args[4])
    if left is None or to_left is None:
        return ERR_SYNTAX
    source = ctx.keyspace.get_typed(args[1], ListValue)
    return NIL if source is None else _move(ctx, args, source, left, to_left)


def rpoplpush(ctx: Context, args: list[bytes]) -> bytes:
    source = ctx.keyspace.get_typed(args[1], ListValue)
    return NIL if source is None else _move(ctx, args, source, False, True)


def _first_list(ctx: Context, keys: list[bytes]) -> tuple[bytes, ListValue] | None:
    """The first of ``keys`` holding a list (``WrongType`` at a key of another type met
    before it, as Redis does)."""
    get = ctx.keyspace.get_typed
    for key in keys:
        value = get(key, ListValue)
        if value is not None:
            return key, value
    return None


def _pop_reply(ctx: Context, found: tuple[bytes, ListValue], left: bool, count: int) -> bytes:
    key, value = found
    return resp.array((bulk(key), resp.bulk_array(pop(ctx, key, value, left, count))))


def _mpop_arguments(args: list[bytes], at: int) -> tuple[list[bytes], bool, int] | bytes:
    """LMPOP's ``numkeys k1 .. kn LEFT|RIGHT [COUNT c]`` from ``args[at]``: (keys,
    left, count), or the error."""
    numkeys = parse_int(args[at])
    if numkeys is None or numkeys < 1:
        return resp.error(b"numkeys should be greater than 0")
    side_at = at + numkeys + 1
    if side_at >= len(args):
        return ERR_SYNTAX
    left = _side(args[side_at])
    if left is None:
        return ERR_SYNTAX
    count = None
    position = side_at + 1
    while position < len(args):
        if count is not None or args[position].lower() != b"count" or position + 1 == len(args):
            return ERR_SYNTAX
        count = parse_int(args[position + 1])
        if count is None or count < 1:
            return resp.error(b"count should be greater than 0")
        position += 2
    return args[at + 1 : side_at], left, count or 1


def lmpop(ctx: Context, args: list[bytes]) -> bytes:
    parsed = _mpop_arguments(args, 1)
    if isinstance(parsed, bytes):
        return parsed
    keys, left, count = parsed
    found = _first_list(ctx, keys)
    return NULL_ARRAY if found is None else _pop_reply(ctx, found, left, count)


# -- blocking ---------------------------------------------------------------------------


def _blocking_pop(ctx: Context, args: list[bytes], left: bool) -> bytes:
    timeout = parse_seconds(args[-1])
    if isinstance(timeout, bytes):
        return timeout
    keys = args[1:-1]
    found = _first_list(ctx, keys)
    if found is None:
        return ctx.block(keys, timeout, NULL_ARRAY)
    key, value = found
    return resp.bulk_array((key, pop(ctx, key, value, left, 1)[0]))


def blpop(ctx: Context, args: list[bytes]) -> bytes:
    return _blocking_pop(ctx, args, left=True)


def brpop(ctx: Context, args: list[bytes]) -> bytes:
    return _blocking_pop(ctx, args, left=False)


def _blocking_move(
    ctx: Context, args: list[bytes], left: bool, to_left: bool, timeout: int
) -> bytes:
    source = ctx.keyspace.get_typed(args[1], ListValue)
    if source is None:
        return ctx.block([args[1]], timeout, NIL)
    return _move(ctx, args, source, left, to_left)


def blmove(ctx: Context, args: list[bytes]) -> bytes:
    left, to_left = _side(args[3]), _side(args[4])
    if left is None or to_left is None:
        return ERR_SYNTAX
    timeout = parse_seconds(args[5])
    if isinstance(timeout, bytes):
        return timeout
    return _blocking_move(ctx, args, left, to_left, timeout)


def brpoplpush(ctx: Context, args: list[bytes]) -> bytes:
    timeout = parse_seconds(args[3])
    if isinstance(timeout, bytes):
        return timeout
    return _blocking_move(ctx, args, False, True, timeout)


def blmpop(ctx: Context, args: list[bytes]) -> bytes:
    parsed = _mpop_arguments(args, 2)
    if isinstance(parsed, bytes):
        return parsed
    timeout = parse_seconds(args[1])
    if isinstance(timeout, bytes):
        return timeout
    keys, left, count = parsed
    found = _first_list(ctx, keys)
    if found is None:
        return ctx.block(keys, timeout, NULL_ARRAY)
    return _pop_reply(ctx, found, left, count)


_W, _GROW, _BLOCKS = Flag.WRITE, Flag.DENYOOM, Flag.BLOCKING | Flag.NOSCRIPT

ROWS = (
    CommandSpec(b"lmove", 5, _W | _GROW, SOURCE_AND_DESTINATION, lmove),
    CommandSpec(b"rpoplpush", 3, _W | _GROW, SOURCE_AND_DESTINATION, rpoplpush),
    CommandSpec(b"lmpop", -4, _W, LMPOP_KEYS, lmpop),
    CommandSpec(b"blpop", -3, _W | _BLOCKS, ALL_BUT_TIMEOUT, blpop),
    CommandSpec(b"brpop", -3, _W | _BLOCKS, ALL_BUT_TIMEOUT, brpop),
    CommandSpec(b"blmove", 6, _W | _GROW | _BLOCKS, SOURCE_AND_DESTINATION, blmove),
    CommandSpec(b"brpoplpush", 4, _W | _GROW | _BLOCKS, SOURCE_AND_DESTINATION, brpoplpush),
    CommandSpec(b"blmpop", -5, _W | Flag.BLOCKING, BLMPOP_KEYS, blmpop),
)
"""The rows of the list commands across keys and the blocking ones (BLMPOP, unlike the
others, is allowed in scripts, as in Redis 7.0)."""
