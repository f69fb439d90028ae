"""XCLAIM and XAUTOCLAIM: pending entries change owner.

"Now" is the log time in milliseconds: idle times, ``IDLE``, and the delivery times set
here are all in log time, identical on every replica. A pending entry whose stream
entry was deleted is dropped from the PELs (XAUTOCLAIM reports it, Redis 7's third
reply element).
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.commands.stream_args import (
    ERR_INVALID_ID,
    cstr,
    entry,
    id_bulk,
    nogroup,
    parse_bound,
    strict_id,
    word,
)
from rabia.kv.values.stream import StreamValue
from rabia.kv.values.stream_group import Consumer, Group, Nack

MAX_AUTOCLAIM_COUNT = ((1 << 63) - 1) // 16
"""XAUTOCLAIM's largest COUNT (Redis's bound, from the size of its temporary array)."""


def _lookup(ctx: Context, args: list[bytes]) -> tuple[StreamValue, Group] | bytes:
    stream = ctx.keyspace.get_typed(args[1], StreamValue)
    group = None if stream is None else stream.groups.get(args[2])
    if stream is None or group is None:
        return nogroup(args[1], args[2])
    return stream, group


def _owner(ctx: Context, args: list[bytes], group: Group, now: int) -> Consumer:
    """The claiming consumer (``args[3]``), seen now, created if missing."""
    consumer, created = group.consumer(args[3], now)
    if created:
        ctx.keyspace.events.append((b"xgroup-createconsumer", args[1]))
    return consumer


def _options(args: list[bytes], at: int, now: int) -> tuple[int, int, bool, bool, int] | bytes:
    """XCLAIM's options from ``args[at]`` on: (delivery time, RETRYCOUNT or -1, FORCE,
    JUSTID, LASTID or 0), or the error."""
    delivered, retry, force, justid, last_id = -1, -1, False, False, 0
    while at < len(args):
        option, more = word(args[at]), at + 1 < len(args)
        if option == b"force":
            force = True
        elif option == b"justid":
            justid = True
        elif option in (b"idle", b"time", b"retrycount") and more:
            at += 1
            number = resp.parse_int(args[at])
            if number is None:
                return resp.error(b"Invalid %s option argument for XCLAIM" % option.upper())
            if option == b"retrycount":
                retry = number
            else:
                delivered = now - number if option == b"idle" else number
        elif option == b"lastid" and more:
            at += 1
            parsed = strict_id(args[at])
            if parsed is None:
                return ERR_INVALID_ID
            last_id = parsed
        else:
            return resp.error(b"Unrecognized XCLAIM option '%s'" % cstr(args[at]))
        at += 1
    if delivered < 0 or delivered > now:
        delivered = now  # not given, or out of range: now (as Redis)
    return delivered, retry, force, justid, last_id


def xclaim(ctx: Context, args: list[bytes]) -> bytes:
    found = _lookup(ctx, args)
    if isinstance(found, bytes):
        return found
    stream, group = found
    min_idle = resp.parse_int(args[4])
    if min_idle is None:
        return resp.error(b"Invalid min-idle-time argument for XCLAIM")
    ids: list[int] = []
    at = 5
    while at < len(args) and (ident := strict_id(args[at])) is not None:
        ids.append(ident)
        at += 1
    now = ctx.keyspace.now // 1000
    options = _options(args, at, now)
    if isinstance(options, bytes):
        return options
    delivered, retry, force, justid, last_id = options
    changed = False
    if last_id > group.last_id:
        group.last_id, changed = last_id, True
    consumer: Consumer | None = None
    replies: list[bytes] = []
    for ident in ids:
        nack = group.pel.get(ident)
        pairs = stream.get(ident)
        if pairs is None:
            changed = group.ack(ident) or changed
            continue
        if nack is None:
            if not force:
                continue
        elif min_idle > 0 and now - nack.delivered < min_idle:
            continue
        if consumer is None:
            consumer = _owner(ctx, args, group, now)
        if nack is None:
            nack = Nack(consumer, now)
            group.pel.add(ident, nack)
            consumer.pel.add(ident, nack)
        else:
            group.claim(ident, nack, consumer)
        nack.delivered = delivered
        if retry >= 0:
            nack.count = retry
        elif not justid:
            nack.count += 1
        replies.append(id_bulk(ident) if justid else entry(ident, pairs))
        changed = True
    if changed:
        ctx.keyspace.modified(args[1], stream)
    return resp.array(replies)


def xautoclaim(ctx: Context, args: list[bytes]) -> bytes:
    min_idle = resp.parse_int(args[4])
    if min_idle is None:
        return resp.error(b"Invalid min-idle-time argument for XAUTOCLAIM")
    start = parse_bound(args[5], 0)
    if isinstance(start, bytes):
        return start
    count, justid = 100, False
    at = 6
    while at < len(args):
        option = word(args[at])
        if option == b"count" and at + 1 < len(args):
            number = resp.parse_int(args[at + 1])
            if number is None or not 1 <= number <= MAX_AUTOCLAIM_COUNT:
                return resp.error(b"COUNT must be > 0")
            count = number
            at += 1
        elif option == b"justid":
            justid = True
        else:
            return resp.ERR_SYNTAX
        at += 1
    found = _lookup(ctx, args)
    if isinstance(found, bytes):
        return found
    stream, group = found
    now = ctx.keyspace.now // 1000
    attempts = count * 10
    candidates = []
    for ident in group.pel.from_(start):
        candidates.append(ident)
        if len(candidates) > attempts:
            break
    consumer: Consumer | None = None
    claimed: list[bytes] = []
    deleted: list[bytes] = []
    examined = 0
    for ident in candidates:
        if not attempts or not count:
            break
        attempts -= 1
        examined += 1
        pairs = stream.get(ident)
        if pairs is None:
            group.ack(ident)
            deleted.append(id_bulk(ident))
            count -= 1
            continue
        nack = group.pel.nacks[ident]
        if min_idle > 0 and now - nack.delivered < min_idle:
            continue
        if consumer is None:
            consumer = _owner(ctx, args, group, now)
        group.claim(ident, nack, consumer)
        nack.delivered = now
        if not justid:
            nack.count += 1
        claimed.append(id_bulk(ident) if justid else entry(ident, pairs))
        count -= 1
    cursor = candidates[examined] if examined < len(candidates) else 0
    if claimed or deleted:
        ctx.keyspace.modified(args[1], stream)
    return b"*3\r\n%s%s%s" % (id_bulk(cursor), resp.array(claimed), resp.array(deleted))


ROWS = (
    CommandSpec(b"xclaim", -6, Flag.WRITE | Flag.FAST, FIRST_KEY, xclaim),
    CommandSpec(b"xautoclaim", -6, Flag.WRITE | Flag.FAST, FIRST_KEY, xautoclaim),
)
