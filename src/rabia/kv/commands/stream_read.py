"""XREAD and XREADGROUP, with BLOCK.

With nothing to serve and ``BLOCK ms``, the handler changes nothing and returns
``ctx.block(keys, ms * 1000)`` (ADR 0014): the blocking framework keeps the waiter and
runs the same argument list again when a key becomes ready; a run that returns
``resp.BLOCK`` again keeps it waiting. Before blocking, XREAD rewrites each ``$`` in its
argument list into the stream's last ID (``0-0`` for a missing key), so that the run
again serves what arrived after the block, as Redis does. XREADGROUP's ``>`` needs no
rewriting: it means "after the group's last delivered ID" at every run.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.context import ERR_ELECTION_KEY
from rabia.kv.commands.spec import NO_KEYS, CommandSpec, Context, Flag
from rabia.kv.commands.stream_args import (
    ERR_INVALID_ID,
    cstr,
    election_key,
    entry,
    nogroup,
    strict_id,
    word,
)
from rabia.kv.values.stream import MAX_ID, StreamValue, format_id
from rabia.kv.values.stream_group import Consumer, Group

ERR_UNBALANCED = resp.error(
    b"Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
)
ERR_DOLLAR = resp.error(
    b"The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
    b"of this consumer by specifying a proper ID, or use the > ID to get new messages. "
    b"The $ ID would just return an empty result set."
)
ERR_GREATER = resp.error(
    b"The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
    b"<consumer> option."
)
NEW = MAX_ID
"""The ID that stands for ``>`` (as in Redis, an explicit largest ID means ``>`` too)."""


class _Read:
    """The parsed options of one XREAD/XREADGROUP."""

    __slots__ = ("consumer", "count", "group", "keys", "noack", "streams_at", "timeout")

    def __init__(self) -> None:
        self.timeout = -1
        self.count = 0
        self.streams_at = 0
        self.keys: list[bytes] = []
        self.group: bytes | None = None
        self.consumer = b""
        self.noack = False


def _parse(args: list[bytes], grouped: bool) -> _Read | bytes:
    read = _Read()
    at, count = 1, len(args)
    while at < count:
        more = count - at - 1
        option = word(args[at])
        if option == b"block" and more:
            at += 1
            timeout = resp.parse_int(args[at])
            if timeout is None:
                return resp.error(b"timeout is not an integer or out of range")
            if timeout < 0:
                return resp.ERR_TIMEOUT_NEGATIVE
            read.timeout = timeout
        elif option == b"count" and more:
            at += 1
            number = resp.parse_int(args[at])
            if number is None:
                return resp.ERR_NOT_INT
            read.count = max(number, 0)
        elif option == b"streams" and more:
            read.streams_at = at + 1
            if (count - at - 1) % 2:
                return ERR_UNBALANCED
            read.keys = args[at + 1 : at + 1 + (count - at - 1) // 2]
            break
        elif option == b"group" and more >= 2:
            if not grouped:
                return resp.error(
                    b"The GROUP option is only supported by XREADGROUP. You called XREAD instead."
                )
            read.group, read.consumer = args[at + 1], args[at + 2]
            at += 2
        elif option == b"noack":
            if not grouped:
                return resp.error(
                    b"The NOACK option is only supported by XREADGROUP. You called XREAD instead."
                )
            read.noack = True
        else:
            return resp.ERR_SYNTAX
        at += 1
    if not read.streams_at:
        return resp.ERR_SYNTAX
    if grouped and read.group is None:
        return resp.error(b"Missing GROUP option for XREADGROUP")
    return read


def _history(stream: StreamValue, consumer: Consumer, start: int, read: _Read, now: int) -> bytes:
    """The consumer's own pending entries from ``start`` (deleted ones with null fields);
    each one served counts as delivered again."""
    replies: list[bytes] = []
    for ident in list(consumer.pel.from_(start)):
        if read.count and len(replies) >= read.count:
            break
        pairs = stream.get(ident)
        if pairs is not None:
            nack = consumer.pel.nacks[ident]
            nack.delivered = now
            nack.count += 1
        replies.append(entry(ident, pairs))
    return resp.array(replies)


def _new(
    stream: StreamValue, group: Group, consumer: Consumer, start: int, read: _Read, now: int
) -> bytes:
    """Entries from ``start`` on, delivered to ``consumer`` (pending unless NOACK)."""
    replies: list[bytes] = []
    for ident, pairs in stream.entries(start, MAX_ID):
        stream.advance(group, ident)
        replies.append(entry(ident, pairs))
        if not read.noack:
            group.deliver(ident, consumer, now)
        if len(replies) == read.count:
            break
    return resp.array(replies)


Target = tuple[bytes, StreamValue | None, Group | None, int]
"""A stream to read: its key, its value, the group (XREADGROUP), the ID to read after."""


def _targets(ctx: Context, args: list[bytes], read: _Read) -> list[Target] | bytes:
    """Every stream with its group and ID, or the first error (before any change)."""
    grouped = read.group is not None
    ids_at = read.streams_at + len(read.keys)
    targets: list[Target] = []
    for position, key in enumerate(read.keys):
        stream = ctx.keyspace.get_typed(key, StreamValue)
        group = None
        if read.group is not None:
            group = stream.groups.get(read.group) if stream is not None else None
            if group is None:
                return nogroup(key, read.group, b" in XREADGROUP with GROUP option")
        text = cstr(args[ids_at + position])
        if text == b"$":
            if grouped:
                return ERR_DOLLAR
            after = 0 if stream is None else stream.last_id
        elif text == b">":
            if not grouped:
                return ERR_GREATER
            after = NEW
        elif (parsed := strict_id(args[ids_at + position])) is None:
            return ERR_INVALID_ID
        else:
            after = parsed
        targets.append((key, stream, group, after))
    return targets


def _serve(ctx: Context, read: _Read, target: Target) -> bytes | None:
    """The entries of one stream for this reader, or None if it has none to serve."""
    key, stream, group, after = target
    if stream is None:
        return None
    if group is None:
        if not stream.length or stream.last_live() <= after:
            return None
        replies: list[bytes] = []
        for ident, pairs in stream.entries(after + 1, MAX_ID):
            replies.append(entry(ident, pairs))
            if len(replies) == read.count:
                break
        return resp.array(replies)
    history = after != NEW
    if not history:
        if not stream.length or stream.last_live() <= group.last_id:
            return None
        after = group.last_id
    ks = ctx.keyspace
    now = ks.now // 1000
    consumer, created = group.consumer(read.consumer, now)
    if created:
        ks.events.append((b"xgroup-createconsumer", key))
    ks.modified(key, stream)
    if history:
        return _history(stream, consumer, after + 1, read, now)
    return _new(stream, group, consumer, after + 1, read, now)


def _read(ctx: Context, args: list[bytes], grouped: bool) -> bytes:
    read = _parse(args, grouped)
    if isinstance(read, bytes):
        return read
    if grouped and election_key(read.keys):
        return ERR_ELECTION_KEY
    targets = _targets(ctx, args, read)
    if isinstance(targets, bytes):
        return targets
    served: list[bytes] = []
    for target in targets:
        found = _serve(ctx, read, target)
        if found is not None:
            key = target[0]
            served.append(b"*2\r\n$%d\r\n%s\r\n%s" % (len(key), key, found))
    if served:
        return resp.array(served)
    if read.timeout == -1:
        return resp.NULL_ARRAY
    ids_at = read.streams_at + len(read.keys)
    for position, (_, _, _, after) in enumerate(targets):
        if cstr(args[ids_at + position]) == b"$":
            args[ids_at + position] = format_id(after)  # what the run again reads after
    return ctx.block(list(dict.fromkeys(read.keys)), read.timeout * 1000, resp.NULL_ARRAY)


def xread(ctx: Context, args: list[bytes]) -> bytes:
    return _read(ctx, args, grouped=False)


def xreadgroup(ctx: Context, args: list[bytes]) -> bytes:
    return _read(ctx, args, grouped=True)


def pairs_to_map(reply: bytes) -> bytes:
    """XREAD's RESP3 form: a map of stream -> entries (RESP2: [[stream, entries], ...])."""
    if not reply.startswith(b"*") or reply.startswith(b"*-"):
        return reply
    end = reply.index(b"\r\n")
    items = resp.elements(reply)
    return b"%%%s%s" % (reply[1 : end + 2], b"".join(item[4:] for item in items))


# Key positions: the keys follow STREAMS, which first/last/step cannot express (Redis
# finds them with a keyword key spec). XREAD only reads; XREADGROUP guards its keys
# against the election prefix itself.
ROWS = (
    CommandSpec(b"xread", -4, Flag.READONLY | Flag.BLOCKING, NO_KEYS, xread, resp3=pairs_to_map),
    CommandSpec(
        b"xreadgroup", -7, Flag.WRITE | Flag.BLOCKING, NO_KEYS, xreadgroup, resp3=pairs_to_map
    ),
)
