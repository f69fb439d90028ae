"""Sorted set commands: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK,
ZSCAN, ZRANDMEMBER here; ranges (``zset_ranges``), pops (``zset_pops``) and set algebra
(``zset_algebra``) beside; ``ROWS`` holds them all.

Replies, errors, keyspace events and the encodings follow Redis 7.0 (``t_zset.c``).
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.commands import zset_algebra, zset_pops, zset_ranges
from rabia.kv.commands.elements import (
    EMPTY_SCAN,
    ERR_OUT_OF_RANGE,
    ERR_TOO_MANY,
    draw,
    parse_count,
    parse_cursor,
    parse_scan_options,
    scan_reply,
)
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.commands.zset_args import (
    ERR_NAN,
    ERR_NOT_FLOAT,
    listpack_text,
    members_reply,
    parse_score,
    score_reply,
)
from rabia.kv.resp import ERR_SYNTAX, INT64_MAX, NIL, ZERO, integer
from rabia.kv.values.zset import ZSetValue
from rabia.kv.values.zset_index import ScoreIndex

ERR_XX_NX = resp.error(b"XX and NX options at the same time are not compatible")
ERR_GT_LT_NX = resp.error(b"GT, LT, and/or NX options at the same time are not compatible")
ERR_INCR_PAIR = resp.error(b"INCR option supports a single increment-element pair")

_ADD_OPTIONS = {b"nx", b"xx", b"ch", b"incr", b"gt", b"lt"}


def _zadd(ctx: Context, args: list[bytes], incr: bool) -> bytes:
    """ZADD, and ZINCRBY (ZADD with INCR): options, then score-member pairs."""
    at = 2
    options: set[bytes] = set()
    while at < len(args) and (option := args[at].lower()) in _ADD_OPTIONS:
        options.add(option)
        at += 1
    incr = incr or b"incr" in options
    nx, xx, gt, lt = (name in options for name in (b"nx", b"xx", b"gt", b"lt"))
    rest = len(args) - at
    if rest % 2 or not rest:
        return ERR_SYNTAX
    if nx and xx:
        return ERR_XX_NX
    if (nx and (gt or lt)) or (gt and lt):
        return ERR_GT_LT_NX
    if incr and rest > 2:
        return ERR_INCR_PAIR
    scores: list[float] = []
    for text in args[at::2]:
        score = parse_score(text)
        if score is None:
            return ERR_NOT_FLOAT
        scores.append(score)
    key, ks = args[1], ctx.keyspace
    zs = ks.get_typed(key, ZSetValue)
    if zs is None:
        if xx:
            return NIL if incr else ZERO
        refused = ctx.check_new_key(key)
        if refused is not None:
            return refused
        zs = ZSetValue.new(args[at + 1])
        ks.put_value(key, zs)
    z = zs.view()
    added = updated = processed = 0
    result = 0.0
    for score, member in zip(scores, args[at + 1 :: 2], strict=True):
        current = z.get(member)
        if current is None:
            if xx:
                continue
            z = zs.make_room(z, member)
            z.insert(member, score)
            added += 1
        else:
            if nx:
                continue
            if incr:
                score += current
                if score != score:
                    return ERR_NAN
            if (lt and score >= current) or (gt and score <= current):
                continue
            if score != current:
                z.remove(member)
                z.insert(member, score)
                updated += 1
        processed += 1
        result = score
    zs.save(z)
    if added or updated:
        ks.events.append((b"zincr" if incr else b"zadd", key))
        ks.modified(key, zs)
    if incr:
        return score_reply(result) if processed else NIL
    return integer(added + updated if b"ch" in options else added)


def zadd(ctx: Context, args: list[bytes]) -> bytes:
    return _zadd(ctx, args, False)


def zincrby(ctx: Context, args: list[bytes]) -> bytes:
    return _zadd(ctx, args, True)


def zrem(ctx: Context, args: list[bytes]) -> bytes:
    key, ks = args[1], ctx.keyspace
    zs = ks.get_typed(key, ZSetValue)
    if zs is None:
        return ZERO
    z = zs.view()
    deleted = 0
    for member in args[2:]:
        if z.remove(member) is not None:
            deleted += 1
            if not len(z):
                break
    zs.save(z)
    if deleted:
        ks.events.append((b"zrem", key))
        ks.modified(key, zs)
    return integer(deleted)


def zscore(ctx: Context, args: list[bytes]) -> bytes:
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    score = None if zs is None else zs.view().get(args[2])
    return NIL if score is None else score_reply(score)


def zmscore(ctx: Context, args: list[bytes]) -> bytes:
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None:
        return b"*%d\r\n%s" % (len(args) - 2, NIL * (len(args) - 2))
    z = zs.view()
    scores = (z.get(member) for member in args[2:])
    return resp.array(NIL if s is None else score_reply(s) for s in scores)


def zcard(ctx: Context, args: list[bytes]) -> bytes:
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    return ZERO if zs is None else integer(len(zs))


def _rank(ctx: Context, args: list[bytes], reverse: bool) -> bytes:
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None:
        return NIL
    rank = zs.view().rank(args[2])
    if rank is None:
        return NIL
    return integer(len(zs) - 1 - rank if reverse else rank)


def zrank(ctx: Context, args: list[bytes]) -> bytes:
    return _rank(ctx, args, False)


def zrevrank(ctx: Context, args: list[bytes]) -> bytes:
    return _rank(ctx, args, True)


def zscan(ctx: Context, args: list[bytes]) -> bytes:
    """``ZSCAN key cursor [MATCH pattern] [COUNT n]``: a small set whole (cursor 0), a
    large one as HSCAN walks a large hash (``ScoreIndex.scan``)."""
    cursor = parse_cursor(args[2])
    if cursor is None:
        return resp.ERR_INVALID_CURSOR
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None:
        return EMPTY_SCAN
    options = parse_scan_options(args, novalues=False)
    if isinstance(options, bytes):
        return options
    z = zs.view()
    if isinstance(z, ScoreIndex):
        members, cursor = z.scan(cursor, options.batch)
        scores = [b"%.17g" % z.dict[m] for m in members]
    else:
        members, floats = z.items()
        scores, cursor = [listpack_text(s) for s in floats], 0
    match = options.match
    pairs = zip(members, scores, strict=True)
    return scan_reply(cursor, [x for m, s in pairs if match is None or match(m) for x in (m, s)])


def zrandmember(ctx: Context, args: list[bytes]) -> bytes:
    """``ZRANDMEMBER key [count [WITHSCORES]]``, drawn from the entry's seed as
    HRANDFIELD draws (``elements.draw``: the same draws, by rank here)."""
    rng = ctx.random()
    if len(args) == 2:
        zs = ctx.keyspace.get_typed(args[1], ZSetValue)
        if zs is None:
            return NIL
        z = zs.view()
        rank = rng.randrange(len(z))
        return resp.bulk(z.slice(rank, rank + 1)[0][0])
    count = parse_count(args[2])
    if isinstance(count, bytes):
        return count
    if len(args) > 4 or (len(args) == 4 and args[3].lower() != b"withscores"):
        return ERR_SYNTAX
    withscores = len(args) == 4
    if withscores and not -(INT64_MAX // 2) <= count <= INT64_MAX // 2:
        return ERR_OUT_OF_RANGE
    zs = ctx.keyspace.get_typed(args[1], ZSetValue)
    if zs is None or count == 0:
        return b"*0\r\n"
    if -count > ctx.limits.max_value_size:
        return ERR_TOO_MANY
    z = zs.view()
    ranks = draw(rng, range(len(z)), -1 if count == 1 else count)
    chosen = [z.slice(rank, rank + 1) for rank in ranks]
    members = [m[0] for m, _ in chosen]
    return members_reply(members, [s[0] for _, s in chosen] if withscores else None)


def _randmember_resp3(args: list[bytes]) -> Callable[[bytes], bytes] | None:
    """RESP3: WITHSCORES answers [member, score] pairs."""
    return resp.flat_to_pairs if len(args) == 4 else None


_W, _R, _FAST, _DENYOOM = Flag.WRITE, Flag.READONLY, Flag.FAST, Flag.DENYOOM

ROWS = (
    CommandSpec(b"zadd", -4, _W | _DENYOOM | _FAST, FIRST_KEY, zadd, resp3=resp.bulk_to_double),
    CommandSpec(
        b"zincrby", 4, _W | _DENYOOM | _FAST, FIRST_KEY, zincrby, resp3=resp.bulk_to_double
    ),
    CommandSpec(b"zrem", -3, _W | _FAST, FIRST_KEY, zrem),
    CommandSpec(b"zscore", 3, _R | _FAST, FIRST_KEY, zscore, resp3=resp.bulk_to_double),
    CommandSpec(b"zmscore", -3, _R | _FAST, FIRST_KEY, zmscore, resp3=resp.bulks_to_doubles),
    CommandSpec(b"zcard", 2, _R | _FAST, FIRST_KEY, zcard),
    CommandSpec(b"zrank", 3, _R | _FAST, FIRST_KEY, zrank),
    CommandSpec(b"zrevrank", 3, _R | _FAST, FIRST_KEY, zrevrank),
    CommandSpec(b"zscan", -3, _R, FIRST_KEY, zscan),
    CommandSpec(b"zrandmember", -2, _R, FIRST_KEY, zrandmember, resp3_of=_randmember_resp3),
    *zset_ranges.ROWS,
    *zset_pops.ROWS,
    *zset_algebra.ROWS,
)
"""The sorted set commands' rows of the command table."""
