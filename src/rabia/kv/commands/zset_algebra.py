"""Sorted set algebra: ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZUNION, ZINTER, ZDIFF,
ZINTERCARD (WEIGHTS, AGGREGATE SUM|MIN|MAX, WITHSCORES, LIMIT).

As in Redis, a set is an input whose members all score 1, the inputs of a union or an
intersection are visited from the smallest (a stable order among equal sizes), a weight
times a score that is NaN counts as 0, and a sum that is NaN (inf + -inf) is 0.
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.commands.zset_args import members_reply, option_after, parse_score
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, ZERO, integer, parse_int
from rabia.kv.values.base import WrongType
from rabia.kv.values.sets import SetValue
from rabia.kv.values.zset import ZSetValue
from rabia.kv.values.zset_index import ScoreIndex

ERR_WEIGHT = resp.error(b"weight value is not a float")
ERR_LIMIT = resp.error(b"LIMIT can't be negative")

UNION, INTER, DIFF = b"zunionstore", b"zinterstore", b"zdiffstore"
"""The operations, named by the event their store command raises."""


class Source:
    """One input: a sorted set, or a set (every member scores 1), or nothing."""

    __slots__ = ("scores", "weight")

    def __init__(self, value: ZSetValue | SetValue | None) -> None:
        self.weight = 1.0
        self.scores: dict[bytes, float]
        if value is None:
            self.scores = {}
        elif isinstance(value, SetValue):
            self.scores = dict.fromkeys(value.members(), 1.0)
        else:
            view = value.view()
            if isinstance(view, ScoreIndex):
                self.scores = view.dict  # read only
            else:
                members, scores = view.items()
                self.scores = dict(zip(members, scores, strict=True))


def _aggregate(how: bytes) -> Callable[[float, float], float]:
    if how == b"sum":
        return lambda total, value: 0.0 if (s := total + value) != s else s
    if how == b"min":
        return lambda total, value: value if value < total else total
    return lambda total, value: value if value > total else total


def _weighted(score: float, weight: float) -> float:
    value = weight * score
    return 0.0 if value != value else value


def _combine(sources: list[Source], op: bytes, how: bytes) -> dict[bytes, float]:
    """member -> score of the union, intersection or difference of ``sources``."""
    result: dict[bytes, float] = {}
    if op == DIFF:
        others = sources[1:]
        for member, score in sources[0].scores.items():
            if not any(member in other.scores for other in others):
                result[member] = score
        return result
    combine = _aggregate(how)
    ordered = sorted(sources, key=lambda source: len(source.scores))
    if op == INTER:
        first, rest = ordered[0], ordered[1:]
        for member, score in first.scores.items():
            total = _weighted(score, first.weight)
            for other in rest:
                found = other.scores.get(member)
                if found is None:
                    break
                total = combine(total, found * other.weight)
            else:
                result[member] = total
        return result
    for source in ordered:
        for member, score in source.scores.items():
            value = _weighted(score, source.weight)
            known = result.get(member)
            result[member] = value if known is None else combine(known, value)
    return result


def _command(
    ctx: Context, args: list[bytes], dest: bytes | None, op: bytes, card: bool = False
) -> bytes:
    """The shared parsing and execution (numkeys after the destination, if any)."""
    at = 1 if dest is None else 2
    setnum = parse_int(args[at])
    if setnum is None:
        return ERR_NOT_INT
    if setnum < 1:
        name = args[0].lower()
        return resp.error(b"at least 1 input key is needed for '%s' command" % name)
    if setnum > len(args) - at - 1:
        return ERR_SYNTAX
    sources = []
    for key in args[at + 1 : at + 1 + setnum]:
        value = ctx.keyspace.lookup(key)
        if value is not None and not isinstance(value, ZSetValue | SetValue):
            raise WrongType
        sources.append(Source(value))
    how, withscores, limit = b"sum", False, 0
    j = at + 1 + setnum
    while j < len(args):
        remaining = len(args) - j
        option = args[j].lower()
        if op != DIFF and not card and remaining >= setnum + 1 and option == b"weights":
            for source, text in zip(sources, args[j + 1 : j + 1 + setnum], strict=True):
                weight = parse_score(text)
                if weight is None:
                    return ERR_WEIGHT
                source.weight = weight
            j += 1 + setnum
        elif op != DIFF and not card and remaining >= 2 and option == b"aggregate":
            how = args[j + 1].lower()
            if how not in (b"sum", b"min", b"max"):
                return ERR_SYNTAX
            j += 2
        elif dest is None and not card and option == b"withscores":
            withscores = True
            j += 1
        elif card and remaining >= 2 and option == b"limit":
            n = parse_int(args[j + 1])
            if n is None or n < 0:
                return ERR_LIMIT
            limit = n
            j += 2
        else:
            return ERR_SYNTAX
    result = _combine(sources, op, how)
    if card:
        return integer(min(len(result), limit) if limit else len(result))
    ordered = sorted(result.items(), key=lambda pair: (pair[1], pair[0]))
    members = [member for member, _ in ordered]
    scores = [score for _, score in ordered]
    if dest is None:
        return members_reply(members, scores if withscores else None)
    ks = ctx.keyspace
    if not members:
        if ks.delete(dest):
            ks.events.append((b"del", dest))
        return ZERO
    if not ks.exists(dest) and (refused := ctx.check_new_key(dest)) is not None:
        return refused
    ks.put_value(dest, ZSetValue.built(members, scores))
    ks.events.append((op, dest))
    return integer(len(members))


def zunionstore(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, args[1], UNION)


def zinterstore(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, args[1], INTER)


def zdiffstore(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, args[1], DIFF)


def zunion(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, None, UNION)


def zinter(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, None, INTER)


def zdiff(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, None, DIFF)


def zintercard(ctx: Context, args: list[bytes]) -> bytes:
    return _command(ctx, args, None, INTER, card=True)


def _pairs_if_withscores(args: list[bytes]) -> Callable[[bytes], bytes] | None:
    """RESP3: WITHSCORES (after the keys) gives [member, score] pairs."""
    setnum = parse_int(args[1])
    if setnum is None or setnum < 1:
        return None
    return resp.flat_to_pairs if option_after(args, 2 + setnum, b"withscores") else None


_STORE = Flag.WRITE | Flag.DENYOOM

ROWS = (
    CommandSpec(b"zunionstore", -4, _STORE, FIRST_KEY, zunionstore),
    CommandSpec(b"zinterstore", -4, _STORE, FIRST_KEY, zinterstore),
    CommandSpec(b"zdiffstore", -4, _STORE, FIRST_KEY, zdiffstore),
    CommandSpec(b"zunion", -3, Flag.READONLY, handler=zunion, resp3_of=_pairs_if_withscores),
    CommandSpec(b"zinter", -3, Flag.READONLY, handler=zinter, resp3_of=_pairs_if_withscores),
    CommandSpec(b"zdiff", -3, Flag.READONLY, handler=zdiff, resp3_of=_pairs_if_withscores),
    CommandSpec(b"zintercard", -3, Flag.READONLY, handler=zintercard),
)
"""The set algebra commands' rows of the command table."""
