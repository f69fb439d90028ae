"""Popping from sorted sets: ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX,
BZMPOP.

A blocking pop with an element to pop pops it at once; otherwise its handler changes
nothing and returns ``ctx.block(keys, timeout)`` (ADR 0014): the machine registers the
waiter and runs the handler again when one of the keys is written; outside a blocking
call (inside EXEC, say) that answers the null array, as Redis does. A served pop's reply
is all the framework needs to put the members back (``blocking_undo``).
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag, KeyPositions
from rabia.kv.commands.timeout import parse_seconds
from rabia.kv.resp import ERR_SYNTAX, NULL_ARRAY, parse_int
from rabia.kv.values.zset import ZSetValue

ERR_NOT_POSITIVE = resp.error(b"value is out of range, must be positive")
ERR_NUMKEYS = resp.error(b"numkeys should be greater than 0")
ERR_COUNT = resp.error(b"count should be greater than 0")
EMPTY = b"*0\r\n"


def _pop(
    ctx: Context, key: bytes, zs: ZSetValue, count: int, highest: bool
) -> list[tuple[bytes, float]]:
    """Remove up to ``count`` lowest (or highest) members of ``zs``, with the events."""
    z = zs.view()
    length = len(z)
    taken = min(count, length)
    start, stop = (length - taken, length) if highest else (0, taken)
    members, scores = z.slice(start, stop)
    z.remove_ranks(start, stop)
    zs.save(z)
    pairs = list(zip(members, scores, strict=True))
    if highest:
        pairs.reverse()
    ks = ctx.keyspace
    ks.events.append((b"zpopmax" if highest else b"zpopmin", key))
    ks.modified(key, zs)
    return pairs


def _flat(pairs: list[tuple[bytes, float]], key: bytes | None = None) -> bytes:
    items = [] if key is None else [key]
    for member, score in pairs:
        items += [member, b"%.17g" % score]
    return resp.bulk_array(items)


def _nested(key: bytes, pairs: list[tuple[bytes, float]]) -> bytes:
    inner = resp.array(resp.bulk_array([m, b"%.17g" % s]) for m, s in pairs)
    return resp.array([resp.bulk(key), inner])


def _zpop(ctx: Context, args: list[bytes], highest: bool) -> bytes:
    """ZPOPMIN/ZPOPMAX key [count]."""
    if len(args) > 3:
        return ERR_SYNTAX
    count = 1
    if len(args) == 3:
        n = parse_int(args[2])
        if n is None or n < 0:
            return ERR_NOT_POSITIVE
        count = n
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None or not count:
        return EMPTY
    return _flat(_pop(ctx, args[1], zs, count, highest))


def zpopmin(ctx: Context, args: list[bytes]) -> bytes:
    return _zpop(ctx, args, False)


def zpopmax(ctx: Context, args: list[bytes]) -> bytes:
    return _zpop(ctx, args, True)


def _first_set(ctx: Context, keys: list[bytes]) -> tuple[bytes, ZSetValue] | None:
    """The first of ``keys`` holding a sorted set (``WrongType`` at a key of another
    type met before it)."""
    get = ctx.keyspace.get_typed
    for key in keys:
        zs = get(key, ZSetValue)
        if zs is not None:
            return key, zs
    return None


def _bzpop(ctx: Context, args: list[bytes], highest: bool) -> bytes:
    """BZPOPMIN/BZPOPMAX key [key ...] timeout."""
    timeout = parse_seconds(args[-1])
    if isinstance(timeout, bytes):
        return timeout
    keys = args[1:-1]
    found = _first_set(ctx, keys)
    if found is None:
        return ctx.block(keys, timeout)
    key, zs = found
    return _flat(_pop(ctx, key, zs, 1, highest), key)


def bzpopmin(ctx: Context, args: list[bytes]) -> bytes:
    return _bzpop(ctx, args, False)


def bzpopmax(ctx: Context, args: list[bytes]) -> bytes:
    return _bzpop(ctx, args, True)


def _mpop(ctx: Context, args: list[bytes], at: int, timeout: bytes | None) -> bytes:
    """ZMPOP (numkeys at ``at`` = 1) and BZMPOP (at 2, after its ``timeout``)."""
    numkeys = parse_int(args[at])
    if numkeys is None or numkeys < 1:
        return ERR_NUMKEYS
    where = at + numkeys + 1
    if where >= len(args) or args[where].lower() not in (b"min", b"max"):
        return ERR_SYNTAX
    highest = args[where].lower() == b"max"
    count = None
    j = where + 1
    while j < len(args):
        if count is None and args[j].lower() == b"count" and j + 1 < len(args):
            count = parse_int(args[j + 1])
            if count is None or count < 1:
                return ERR_COUNT
            j += 2
        else:
            return ERR_SYNTAX
    keys = args[at + 1 : where]
    wait = 0
    if timeout is not None:
        parsed = parse_seconds(timeout)
        if isinstance(parsed, bytes):
            return parsed
        wait = parsed
    found = _first_set(ctx, keys)
    if found is None:
        return NULL_ARRAY if timeout is None else ctx.block(keys, wait)
    key, zs = found
    return _nested(key, _pop(ctx, key, zs, count or 1, highest))


def zmpop(ctx: Context, args: list[bytes]) -> bytes:
    return _mpop(ctx, args, 1, None)


def bzmpop(ctx: Context, args: list[bytes]) -> bytes:
    return _mpop(ctx, args, 2, args[1])


def _zpop_resp3(args: list[bytes]) -> Callable[[bytes], bytes]:
    """RESP3: with a count, [member, score] pairs; without, one flat pair."""
    return resp.flat_to_pairs if len(args) == 3 else resp.last_to_double


_W, _BLOCKS = Flag.WRITE, Flag.WRITE | Flag.BLOCKING
_ALL_BUT_TIMEOUT = KeyPositions(1, -2, 1)

ROWS = (
    CommandSpec(b"zpopmin", -2, _W | Flag.FAST, FIRST_KEY, zpopmin, resp3_of=_zpop_resp3),
    CommandSpec(b"zpopmax", -2, _W | Flag.FAST, FIRST_KEY, zpopmax, resp3_of=_zpop_resp3),
    CommandSpec(b"zmpop", -4, _W, handler=zmpop, resp3=resp.keyed_pairs_to_doubles),
    CommandSpec(
        b"bzpopmin",
        -3,
        _BLOCKS | Flag.NOSCRIPT | Flag.FAST,
        _ALL_BUT_TIMEOUT,
        bzpopmin,
        resp3=resp.last_to_double,
    ),
    CommandSpec(
        b"bzpopmax",
        -3,
        _BLOCKS | Flag.NOSCRIPT | Flag.FAST,
        _ALL_BUT_TIMEOUT,
        bzpopmax,
        resp3=resp.last_to_double,
    ),
    CommandSpec(b"bzmpop", -5, _BLOCKS, handler=bzmpop, resp3=resp.keyed_pairs_to_doubles),
)
"""The pop commands' rows of the command table."""
