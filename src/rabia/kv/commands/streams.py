"""Stream commands on entries: XADD, XTRIM, XDEL, XLEN, XRANGE, XREVRANGE, XSETID.

``*`` IDs come from the log time (``keyspace.now``), so every replica makes the same
ones. Trimming follows Redis node by node (``values.stream_node``): ``~`` removes what
Redis removes. The consumer-group commands are in ``stream_groups``/``stream_claims``,
XREAD/XREADGROUP in ``stream_read``, XINFO in ``stream_info``.
"""

from __future__ import annotations

from typing import NamedTuple

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.commands.stream_args import (
    ERR_INVALID_ID,
    ERR_NO_KEY,
    entry,
    id_bulk,
    parse_bound,
    parse_id,
    strict_id,
    word,
)
from rabia.kv.values.stream import MASK, MAX_ID, StreamValue, next_id

ERR_TOP_ITEM = resp.error(
    b"The ID specified in XADD is equal or smaller than the target stream top item"
)
ERR_ZERO_ID = resp.error(b"The ID specified in XADD must be greater than 0-0")
ERR_EXHAUSTED = resp.error(
    b"The stream has exhausted the last possible ID, unable to add more items"
)
ERR_TOO_LARGE = resp.error(b"Elements are too large to be stored")
ERR_BOTH = resp.error(b"syntax error, MAXLEN and MINID options at the same time are not compatible")

APPROX_LIMIT = 10_000
"""Entries ``~`` trims at most when LIMIT is not given (100 nodes, as Redis)."""


class Trim(NamedTuple):
    """XADD's and XTRIM's options. ``maxlen`` None with ``minid`` None: no trimming."""

    maxlen: int | None
    minid: int | None
    approx: bool
    limit: int
    nomkstream: bool
    id_at: int
    """Where XADD's ID is (after the options)."""
    ident: int | None
    """XADD's explicit ID (None for ``*``)."""
    seq_given: bool


def parse_trim(args: list[bytes], xadd: bool) -> Trim | bytes:
    """Parse options from ``args[2]`` on, as Redis does, error for error."""
    maxlen: int | None = None
    minid: int | None = None
    approx = nomkstream = limit_given = False
    limit, ident, seq_given = 0, None, True
    count = len(args)
    at = 2
    while at < count:
        more = count - 1 - at
        option = word(args[at])
        if xadd and option == b"*":
            break
        if option in (b"maxlen", b"minid") and more:
            if maxlen is not None or minid is not None:
                return ERR_BOTH
            approx = more >= 2 and word(args[at + 1]) == b"~"
            if more >= 2 and word(args[at + 1]) in (b"~", b"="):
                at += 1
            at += 1
            if option == b"maxlen":
                maxlen = resp.parse_int(args[at])
                if maxlen is None:
                    return resp.ERR_NOT_INT
                if maxlen < 0:
                    return resp.error(b"The MAXLEN argument must be >= 0.")
            elif (minid := strict_id(args[at])) is None:
                return ERR_INVALID_ID
        elif option == b"limit" and more:
            at += 1
            parsed = resp.parse_int(args[at])
            if parsed is None:
                return resp.ERR_NOT_INT
            if parsed < 0:
                return resp.error(b"The LIMIT argument must be >= 0.")
            limit, limit_given = parsed, True
        elif xadd and option == b"nomkstream":
            nomkstream = True
        elif xadd:
            found = parse_id(args[at], auto_seq=True)
            if found is None:
                return ERR_INVALID_ID
            ident, seq_given = found
            break
        else:
            return resp.ERR_SYNTAX
        at += 1
    trims = maxlen is not None or minid is not None
    if limit and not trims:
        return resp.error(
            b"syntax error, LIMIT cannot be used without specifying a trimming strategy"
        )
    if not xadd and not trims:
        return resp.error(b"syntax error, XTRIM must be called with a trimming strategy")
    if limit_given and not approx:
        return resp.error(b"syntax error, LIMIT cannot be used without the special ~ option")
    if not limit_given:
        limit = APPROX_LIMIT if approx else 0
    return Trim(maxlen, minid, approx, limit, nomkstream, at, ident, seq_given)


def _trim(stream: StreamValue, trim: Trim) -> int:
    if trim.maxlen is None and trim.minid is None:
        return 0
    return stream.trim(trim.maxlen, trim.minid or 0, trim.approx, trim.limit)


def xadd(ctx: Context, args: list[bytes]) -> bytes:
    trim = parse_trim(args, xadd=True)
    if isinstance(trim, bytes):
        return trim
    pairs = args[trim.id_at + 1 :]
    if len(pairs) < 2 or len(pairs) % 2:
        return resp.arity_error(args[0])
    if trim.ident == 0 and trim.seq_given:
        return ERR_ZERO_ID
    ks, key = ctx.keyspace, args[1]
    stream = ks.get_typed(key, StreamValue)
    if stream is None:
        if trim.nomkstream:
            return resp.NIL
        if (error := ctx.check_new_key(key)) is not None:
            return error
    elif stream.last_id == MAX_ID:
        return ERR_EXHAUSTED
    last = stream.last_id if stream is not None else 0
    if trim.ident is None:
        ident = next_id(last, ks.now // 1000)
    elif trim.seq_given or trim.ident >> 64 != last >> 64:
        ident = trim.ident
    elif last & MASK == MASK:
        return ERR_TOP_ITEM
    else:
        ident = last + 1
    if ident <= last:
        return ERR_TOP_ITEM
    if sum(map(len, pairs)) > ctx.limits.max_value_size:
        return ERR_TOO_LARGE
    if stream is None:
        stream = StreamValue()
        stream.append(ident, pairs)
        ks.put_value(key, stream)
    else:
        stream.append(ident, pairs)
        ks.modified(key, stream)
    ks.events.append((b"xadd", key))
    if _trim(stream, trim):
        ks.events.append((b"xtrim", key))
    return id_bulk(ident)


def xtrim(ctx: Context, args: list[bytes]) -> bytes:
    trim = parse_trim(args, xadd=False)
    if isinstance(trim, bytes):
        return trim
    ks, key = ctx.keyspace, args[1]
    stream = ks.get_typed(key, StreamValue)
    if stream is None:
        return resp.ZERO
    removed = _trim(stream, trim)
    if removed:
        ks.modified(key, stream)
        ks.events.append((b"xtrim", key))
    return resp.integer(removed)


def xdel(ctx: Context, args: list[bytes]) -> bytes:
    ks, key = ctx.keyspace, args[1]
    stream = ks.get_typed(key, StreamValue)
    if stream is None:
        return resp.ZERO
    ids = [strict_id(arg) for arg in args[2:]]
    if None in ids:
        return ERR_INVALID_ID
    removed = 0
    first = False
    for ident in ids:
        assert ident is not None
        if stream.delete(ident):
            first = first or ident == stream.first_id
            stream.max_deleted = max(stream.max_deleted, ident)
            removed += 1
    if removed:
        if not stream.length:
            stream.first_id = 0
        elif first:
            stream.first_id = stream.first_live()
        ks.modified(key, stream)
        ks.events.append((b"xdel", key))
    return resp.integer(removed)


def xlen(ctx: Context, args: list[bytes]) -> bytes:
    stream = ctx.keyspace.get_typed(args[1], StreamValue)
    return resp.integer(0 if stream is None else stream.length)


def _range(ctx: Context, args: list[bytes], reverse: bool) -> bytes:
    start = parse_bound(args[3] if reverse else args[2], 0)
    if isinstance(start, bytes):
        return start
    end = parse_bound(args[2] if reverse else args[3], MASK)
    if isinstance(end, bytes):
        return end
    count = -1
    at = 4
    while at < len(args):
        if word(args[at]) != b"count" or at + 1 >= len(args):
            return resp.ERR_SYNTAX
        parsed = resp.parse_int(args[at + 1])
        if parsed is None:
            return resp.ERR_NOT_INT
        count = max(parsed, 0)
        at += 2
    stream = ctx.keyspace.get_typed(args[1], StreamValue)
    if stream is None:
        return b"*0\r\n"
    if count == 0:
        return resp.NULL_ARRAY
    found = stream.entries_reversed(end, start) if reverse else stream.entries(start, end)
    replies: list[bytes] = []
    for ident, pairs in found:
        replies.append(entry(ident, pairs))
        if len(replies) == count:
            break
    return resp.array(replies)


def xrange(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, reverse=False)


def xrevrange(ctx: Context, args: list[bytes]) -> bytes:
    return _range(ctx, args, reverse=True)


def xsetid(ctx: Context, args: list[bytes]) -> bytes:
    ident = strict_id(args[2])
    if ident is None:
        return ERR_INVALID_ID
    added, deleted = -1, 0
    at = 3
    while at < len(args):
        option = word(args[at])
        if at + 1 >= len(args) or option not in (b"entriesadded", b"maxdeletedid"):
            return resp.ERR_SYNTAX
        if option == b"entriesadded":
            parsed = resp.parse_int(args[at + 1])
            if parsed is None:
                return resp.ERR_NOT_INT
            if parsed < 0:
                return resp.error(b"entries_added must be positive")
            added = parsed
        else:
            found = strict_id(args[at + 1])
            if found is None:
                return ERR_INVALID_ID
            if ident < found:
                return resp.error(
                    b"The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
                )
            deleted = found
        at += 2
    ks, key = ctx.keyspace, args[1]
    stream = ks.get_typed(key, StreamValue)
    if stream is None:
        return ERR_NO_KEY
    if stream.length:
        if ident < stream.last_live():
            return resp.error(
                b"The ID specified in XSETID is smaller than the target stream top item"
            )
        if added != -1 and stream.length > added:
            return resp.error(
                b"The entries_added specified in XSETID is smaller than the target stream length"
            )
    stream.last_id = ident
    if added != -1:
        stream.entries_added = added
    if deleted:
        stream.max_deleted = deleted
    ks.modified(key, stream)
    ks.events.append((b"xsetid", key))
    return resp.OK


_W, _R = Flag.WRITE, Flag.READONLY
ROWS = (
    CommandSpec(b"xadd", -5, _W | Flag.DENYOOM | Flag.FAST, FIRST_KEY, xadd),
    CommandSpec(b"xtrim", -4, _W, FIRST_KEY, xtrim),
    CommandSpec(b"xdel", -3, _W | Flag.FAST, FIRST_KEY, xdel),
    CommandSpec(b"xlen", 2, _R | Flag.FAST, FIRST_KEY, xlen),
    CommandSpec(b"xrange", -4, _R, FIRST_KEY, xrange),
    CommandSpec(b"xrevrange", -4, _R, FIRST_KEY, xrevrange),
    CommandSpec(b"xsetid", -3, _W | Flag.DENYOOM | Flag.FAST, FIRST_KEY, xsetid),
)
