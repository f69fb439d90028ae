"""Set commands over whole sets: SMEMBERS, SINTER, SUNION, SDIFF, their STORE forms,
SINTERCARD.

Results list members in a deterministic order: SINTER in the order of its smallest set
(the first of the smallest), SUNION in the order of first appearance over its keys,
SDIFF in the order of its first set. A missing key is an empty set.
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.commands.sets import get_set
from rabia.kv.commands.spec import ALL_KEYS, FIRST_KEY, NO_KEYS, CommandSpec, Context, Flag
from rabia.kv.resp import ERR_SYNTAX, ZERO, bulk_array, integer, parse_int
from rabia.kv.values.sets import SetValue

ERR_NUMKEYS = resp.error(b"numkeys should be greater than 0")
ERR_NUMKEYS_ARGS = resp.error(b"Number of keys can't be greater than number of args")
ERR_LIMIT = resp.error(b"LIMIT can't be negative")

Operation = Callable[[list[SetValue | None]], list[bytes]]


def _sets(ctx: Context, keys: list[bytes]) -> list[SetValue | None]:
    """The sets at ``keys`` (None: missing); ``WrongType`` if any key holds another type
    (all are checked, as Redis does, before any empty set ends the work)."""
    return [get_set(ctx, key) for key in keys]


def inter(sets: list[SetValue | None], limit: int = 0) -> list[bytes]:
    """The members in every set, in the order of the (first) smallest one; at most
    ``limit`` of them (0: all)."""
    if any(s is None for s in sets):
        return []
    present = [s for s in sets if s is not None]
    smallest = min(present, key=len)
    others = [s for s in present if s is not smallest]
    found: list[bytes] = []
    for member in smallest.members():
        if all(member in s for s in others):
            found.append(member)
            if len(found) == limit:
                break
    return found


def union(sets: list[SetValue | None]) -> list[bytes]:
    """The members of any set, in order of first appearance."""
    seen: dict[bytes, None] = {}
    for s in sets:
        if s is not None:
            seen.update(dict.fromkeys(s.members()))
    return list(seen)


def diff(sets: list[SetValue | None]) -> list[bytes]:
    """The members of the first set in none of the others, in the first set's order."""
    first = sets[0]
    if first is None:
        return []
    others = [s for s in sets[1:] if s is not None]
    if any(s is first for s in others):
        return []
    return [m for m in first.members() if not any(m in s for s in others)]


def smembers(ctx: Context, args: list[bytes]) -> bytes:
    s = get_set(ctx, args[1])
    return bulk_array([] if s is None else s.members())


def _read(operation: Operation) -> Callable[[Context, list[bytes]], bytes]:
    def handler(ctx: Context, args: list[bytes]) -> bytes:
        return bulk_array(operation(_sets(ctx, args[1:])))

    return handler


def _store(operation: Operation, event: bytes) -> Callable[[Context, list[bytes]], bytes]:
    def handler(ctx: Context, args: list[bytes]) -> bytes:
        destination, ks = args[1], ctx.keyspace
        members = operation(_sets(ctx, args[2:]))
        if not members:
            if ks.delete(destination):
                ks.events.append((b"del", destination))
            return ZERO
        if not ks.exists(destination) and (error := ctx.check_new_key(destination)):
            return error
        ks.put_value(destination, SetValue(members))
        ks.events.append((event, destination))
        return integer(len(members))

    return handler


def sintercard(ctx: Context, args: list[bytes]) -> bytes:
    numkeys = parse_int(args[1])
    if numkeys is None or numkeys < 1:
        return ERR_NUMKEYS
    if numkeys > len(args) - 2:
        return ERR_NUMKEYS_ARGS
    limit = 0
    i = 2 + numkeys
    while i < len(args):
        if args[i].upper() == b"LIMIT" and i + 1 < len(args):
            n = parse_int(args[i + 1])
            if n is None or n < 0:
                return ERR_LIMIT
            limit = n
            i += 2
        else:
            return ERR_SYNTAX
    return integer(len(inter(_sets(ctx, args[2 : 2 + numkeys]), limit)))


_W, _R, _GROW = Flag.WRITE, Flag.READONLY, Flag.DENYOOM
_SET = resp.array_to_set

ROWS = (
    CommandSpec(b"smembers", 2, _R, FIRST_KEY, smembers, resp3=_SET),
    CommandSpec(b"sinter", -2, _R, ALL_KEYS, _read(inter), resp3=_SET),
    CommandSpec(b"sunion", -2, _R, ALL_KEYS, _read(union), resp3=_SET),
    CommandSpec(b"sdiff", -2, _R, ALL_KEYS, _read(diff), resp3=_SET),
    CommandSpec(b"sinterstore", -3, _W | _GROW, ALL_KEYS, _store(inter, b"sinterstore")),
    CommandSpec(b"sunionstore", -3, _W | _GROW, ALL_KEYS, _store(union, b"sunionstore")),
    CommandSpec(b"sdiffstore", -3, _W | _GROW, ALL_KEYS, _store(diff, b"sdiffstore")),
    # Keys follow numkeys: Redis's legacy key positions are none either (movable keys).
    CommandSpec(b"sintercard", -3, _R, NO_KEYS, sintercard),
)
"""The multi-set commands' rows of the command table."""
