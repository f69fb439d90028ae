"""Sorted set ranges: ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES), ZRANGESTORE, the
older ZREVRANGE, Z[REV]RANGEBYSCORE and Z[REV]RANGEBYLEX, ZCOUNT, ZLEXCOUNT and
ZREMRANGEBYRANK/SCORE/LEX; options and errors in Redis's order."""

from __future__ import annotations

import enum
from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.commands.zset_args import (
    ERR_LEX_RANGE,
    ERR_RANGE,
    members_reply,
    option_after,
    parse_lex_range,
    parse_score_range,
)
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, ZERO, integer, parse_int
from rabia.kv.values.zset import ZSetValue
from rabia.kv.values.zset_range import LexRange, Ordered, ScoreRange, lex_span, score_span, window
from rabia.kv.values.zset_small import MAX_ENTRIES, MAX_MEMBER

ERR_LIMIT_RANK = resp.error(
    b"syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
)
ERR_WITHSCORES_LEX = resp.error(b"syntax error, WITHSCORES not supported in combination with BYLEX")
EMPTY = b"*0\r\n"


class By(enum.Enum):
    """What a range is given in (``AUTO``: not said yet, ZRANGE's default is ranks)."""

    AUTO = 0
    RANK = 1
    SCORE = 2
    LEX = 3


def rank_span(length: int, start: int, end: int) -> tuple[int, int]:
    """Redis's rank range ``start``..``end`` (negative: from the end, inclusive) as
    ranks [first, stop) of a set of ``length``."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = max(start, 0)
    if start > end or start >= length:
        return 0, 0
    return start, min(end, length - 1) + 1


def _selected(
    z: Ordered,
    by: By,
    bounds: tuple[int, int] | ScoreRange | LexRange,
    reverse: bool,
    offset: int,
    limit: int,
) -> tuple[int, int]:
    """The ranks [start, stop) a range selects (output reversed when ``reverse``)."""
    if isinstance(bounds, ScoreRange):
        return window(score_span(z, bounds), offset, limit, reverse)
    if isinstance(bounds, LexRange):
        return lex_span(z, bounds, offset, limit, reverse)
    start, end = bounds
    first, stop = rank_span(len(z), start, end)
    if reverse:  # ranks counted from the highest score
        first, stop = len(z) - stop, len(z) - first
    return first, stop


def _range(
    ctx: Context, args: list[bytes], at: int, store: bool, by: By, reverse: bool | None
) -> bytes:
    """ZRANGE and friends: the source key at ``at``, then min, max and options."""
    withscores = False
    offset, limit = 0, -1
    j = at + 3
    while j < len(args):
        option = args[j].lower()
        if not store and option == b"withscores":
            withscores = True
        elif option == b"limit" and len(args) - j - 1 >= 2:
            first, count = parse_int(args[j + 1]), parse_int(args[j + 2])
            if first is None or count is None:
                return ERR_NOT_INT
            offset, limit = first, count
            j += 2
        elif reverse is None and option == b"rev":
            reverse = True
        elif by is By.AUTO and option in (b"bylex", b"byscore"):
            by = By.LEX if option == b"bylex" else By.SCORE
        else:
            return ERR_SYNTAX
        j += 1
    reverse = bool(reverse)
    by = By.RANK if by is By.AUTO else by
    if limit != -1 and by is By.RANK:
        return ERR_LIMIT_RANK
    if withscores and by is By.LEX:
        return ERR_WITHSCORES_LEX
    low, high = args[at + 1], args[at + 2]
    if reverse and by is not By.RANK:
        low, high = high, low
    bounds: tuple[int, int] | ScoreRange | LexRange | None
    if by is By.RANK:
        start, end = parse_int(low), parse_int(high)
        if start is None or end is None:
            return ERR_NOT_INT
        bounds = start, end
    elif by is By.SCORE:
        if (bounds := parse_score_range(low, high)) is None:
            return ERR_RANGE
    elif (bounds := parse_lex_range(low, high)) is None:
        return ERR_LEX_RANGE
    zs = ctx.keyspace.get_typed(args[at], ZSetValue)
    if zs is None:
        return store_range(ctx, args[1], [], [], None) if store else EMPTY
    z = zs.view()
    first, stop = _selected(z, by, bounds, reverse, offset, limit)
    members, scores = z.slice(first, stop)
    if reverse:
        members.reverse()
        scores.reverse()
    if store:
        return store_range(ctx, args[1], members, scores, stop - first if by is By.RANK else None)
    return members_reply(members, scores if withscores else None)


def store_range(
    ctx: Context, key: bytes, members: list[bytes], scores: list[float], known: int | None
) -> bytes:
    """ZRANGESTORE's result into ``key``: packed (a ``-0`` score stored as ``0``) as long
    as Redis's listpack would hold it, which it starts with unless the count is known to
    be over 128."""
    ks = ctx.keyspace
    if not members:
        if ks.delete(key):
            ks.events.append((b"del", key))
        return ZERO
    if not ks.exists(key) and (refused := ctx.check_new_key(key)) is not None:
        return refused
    packed = 0 if known is not None and known > MAX_ENTRIES else MAX_ENTRIES
    for i, member in enumerate(members[:packed]):
        if len(member) > MAX_MEMBER:
            packed = i
            break
    scores = [s + 0.0 for s in scores[:packed]] + scores[packed:]
    value = ZSetValue.built(members, scores)
    ks.put_value(key, value)
    ks.events.append((b"zrangestore", key))
    return integer(len(members))


def zrange(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 1, False, By.AUTO, None)


def zrangestore(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 2, True, By.AUTO, None)


def zrevrange(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 1, False, By.RANK, True)


def zrangebyscore(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 1, False, By.SCORE, False)


def zrevrangebyscore(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 1, False, By.SCORE, True)


def zrangebylex(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 1, False, By.LEX, False)


def zrevrangebylex(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, 1, False, By.LEX, True)


def zcount(ctx: Context, args: list[bytes]) -> bytes:
    rng = parse_score_range(args[2], args[3])
    if rng is None:
        return ERR_RANGE
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None:
        return ZERO
    start, stop = score_span(zs.view(), rng)
    return integer(stop - start)


def zlexcount(ctx: Context, args: list[bytes]) -> bytes:
    rng = parse_lex_range(args[2], args[3])
    if rng is None:
        return ERR_LEX_RANGE
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None:
        return ZERO
    start, stop = lex_span(zs.view(), rng, 0, -1, False)
    return integer(stop - start)


def _remove_range(ctx: Context, args: list[bytes], by: By) -> bytes:
    """ZREMRANGEBYRANK/SCORE/LEX."""
    bounds: tuple[int, int] | ScoreRange | LexRange | None
    if by is By.RANK:
        start, end = parse_int(args[2]), parse_int(args[3])
        if start is None or end is None:
            return ERR_NOT_INT
        bounds = start, end
    elif by is By.SCORE:
        if (bounds := parse_score_range(args[2], args[3])) is None:
            return ERR_RANGE
    elif (bounds := parse_lex_range(args[2], args[3])) is None:
        return ERR_LEX_RANGE
    key, ks = args[1], ctx.keyspace
    zs = ks.get_typed(key, ZSetValue)
    if zs is None:
        return ZERO
    z = zs.view()
    first, stop = _selected(z, by, bounds, False, 0, -1)
    if first >= stop:
        return ZERO
    z.remove_ranks(first, stop)
    zs.save(z)
    ks.events.append((b"zremrangeby" + by.name.lower().encode(), key))
    ks.modified(key, zs)
    return integer(stop - first)


def zremrangebyrank(ctx: Context, args: list[bytes]) -> bytes:
    return _remove_range(ctx, args, By.RANK)


def zremrangebyscore(ctx: Context, args: list[bytes]) -> bytes:
    return _remove_range(ctx, args, By.SCORE)


def zremrangebylex(ctx: Context, args: list[bytes]) -> bytes:
    return _remove_range(ctx, args, By.LEX)


def _pairs_if_withscores(args: list[bytes]) -> Callable[[bytes], bytes] | None:
    """RESP3: WITHSCORES replies are [member, score] pairs with double scores."""
    return resp.flat_to_pairs if option_after(args, 4, b"withscores") else None


_W, _R = Flag.WRITE, Flag.READONLY


def _reader(name: bytes, handler: Callable[[Context, list[bytes]], bytes]) -> CommandSpec:
    return CommandSpec(name, -4, _R, FIRST_KEY, handler, resp3_of=_pairs_if_withscores)


ROWS = (
    _reader(b"zrange", zrange),
    _reader(b"zrevrange", zrevrange),
    _reader(b"zrangebyscore", zrangebyscore),
    _reader(b"zrevrangebyscore", zrevrangebyscore),
    CommandSpec(b"zrangebylex", -4, _R, FIRST_KEY, zrangebylex),
    CommandSpec(b"zrevrangebylex", -4, _R, FIRST_KEY, zrevrangebylex),
    CommandSpec(b"zrangestore", -5, _W | Flag.DENYOOM, FIRST_KEY, zrangestore),
    CommandSpec(b"zcount", 4, _R | Flag.FAST, FIRST_KEY, zcount),
    CommandSpec(b"zlexcount", 4, _R | Flag.FAST, FIRST_KEY, zlexcount),
    CommandSpec(b"zremrangebyrank", 4, _W, FIRST_KEY, zremrangebyrank),
    CommandSpec(b"zremrangebyscore", 4, _W, FIRST_KEY, zremrangebyscore),
    CommandSpec(b"zremrangebylex", 4, _W, FIRST_KEY, zremrangebylex),
)
"""The range commands' rows of the command table."""
