"""Consumer groups: XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP),
XACK and XPENDING.

XGROUP is a container command, as in Redis: its row has no key positions (the key is
its third argument, after the subcommand), so the handler applies the election-key guard
itself. Idle times are log time (``keyspace.now``) minus the delivery time.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.context import ERR_ELECTION_KEY
from rabia.kv.commands.spec import FIRST_KEY, NO_KEYS, CommandSpec, Context, Flag
from rabia.kv.commands.stream_args import (
    ERR_INVALID_ID,
    cstr,
    election_key,
    id_bulk,
    nogroup,
    nogroup_for_key,
    parse_bound,
    parse_id,
    strict_id,
    subcommand_arity,
    subcommand_syntax,
    unknown_subcommand,
    word,
)
from rabia.kv.values.stream import MASK, StreamValue
from rabia.kv.values.stream_group import Group

SUBCOMMANDS = {
    b"create": -5,
    b"setid": -5,
    b"destroy": 4,
    b"createconsumer": 5,
    b"delconsumer": 5,
    b"help": 2,
}
"""XGROUP's subcommands and their arities (Redis's, the container's name included)."""

HELP = [
    b"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CREATE <key> <group> <id|$> [MKSTREAM] [ENTRIESREAD <n>]",
    b"    Create a consumer group starting after <id> ($: the last entry).",
    b"CREATECONSUMER <key> <group> <consumer>",
    b"    Add a consumer to a group.",
    b"DELCONSUMER <key> <group> <consumer>",
    b"    Remove a consumer (and its pending entries) from a group.",
    b"DESTROY <key> <group>",
    b"    Remove a consumer group.",
    b"SETID <key> <group> <id|$> [ENTRIESREAD <n>]",
    b"    Set the last delivered ID (and read counter) of a group.",
    b"HELP",
    b"    Print this help.",
]
ERR_NEED_KEY = resp.error(
    b"The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
    b"to use the MKSTREAM option to create an empty stream automatically."
)


def _options(args: list[bytes], sub: bytes) -> tuple[bool, int] | bytes:
    """CREATE's and SETID's options after the ID: (MKSTREAM, ENTRIESREAD or -1)."""
    mkstream, entries_read = False, -1
    at = 5
    while at < len(args):
        option = word(args[at])
        if sub == b"create" and option == b"mkstream":
            mkstream = True
            at += 1
        elif sub in (b"create", b"setid") and option == b"entriesread" and at + 1 < len(args):
            parsed = resp.parse_int(args[at + 1])
            if parsed is None:
                return resp.ERR_NOT_INT
            if parsed < -1:
                return resp.error(b"value for ENTRIESREAD must be positive or -1")
            entries_read = parsed
            at += 2
        else:
            return subcommand_syntax(args)
    return mkstream, entries_read


def xgroup(ctx: Context, args: list[bytes]) -> bytes:
    sub = args[1].lower()
    arity = SUBCOMMANDS.get(sub)
    if arity is None:
        return unknown_subcommand(args)
    if (error := subcommand_arity(args, arity)) is not None:
        return error
    if sub == b"help":
        return resp.array(resp.simple(line) for line in HELP)
    if election_key(args[2:3]):
        return ERR_ELECTION_KEY
    options = _options(args, sub)
    if isinstance(options, bytes):
        return options
    mkstream, entries_read = options
    ks, key, name = ctx.keyspace, args[2], args[3]
    stream = ks.get_typed(key, StreamValue)
    group = None if stream is None else stream.groups.get(name)
    if not mkstream:
        if stream is None:
            return ERR_NEED_KEY
        if group is None and sub in (b"setid", b"createconsumer", b"delconsumer"):
            return nogroup_for_key(key, name)
    if sub == b"create":
        return (
            subcommand_syntax(args) if len(args) > 8 else _create(ctx, args, stream, entries_read)
        )
    assert stream is not None
    if sub == b"destroy":
        if group is None:
            return resp.ZERO
        del stream.groups[name]
        reply, event = resp.ONE, b"xgroup-destroy"
    else:
        assert group is not None
        if sub == b"setid":
            if len(args) not in (5, 7):
                return subcommand_syntax(args)
            found = (
                (stream.last_id, True) if cstr(args[4]) == b"$" else parse_id(args[4], strict=False)
            )
            if found is None:
                return ERR_INVALID_ID
            group.last_id, group.entries_read = found[0], entries_read
            reply, event = resp.OK, b"xgroup-setid"
        elif sub == b"createconsumer":
            if args[4] in group.consumers:
                return resp.ZERO
            group.consumer(args[4], ks.now // 1000)
            reply, event = resp.ONE, b"xgroup-createconsumer"
        else:
            if args[4] not in group.consumers:
                return resp.ZERO
            reply = resp.integer(group.remove_consumer(args[4]))
            event = b"xgroup-delconsumer"
    ks.modified(key, stream)
    ks.events.append((event, key))
    return reply


def _create(
    ctx: Context, args: list[bytes], stream: StreamValue | None, entries_read: int
) -> bytes:
    ks, key = ctx.keyspace, args[2]
    if cstr(args[4]) == b"$":
        last = 0 if stream is None else stream.last_id
    elif (found := strict_id(args[4])) is None:
        return ERR_INVALID_ID
    else:
        last = found
    if stream is None:
        if (error := ctx.check_new_key(key)) is not None:
            return error
        stream = StreamValue()
        ks.put_value(key, stream)
    elif args[3] in stream.groups:
        return resp.coded_error(b"BUSYGROUP Consumer Group name already exists")
    else:
        ks.modified(key, stream)
    stream.groups[args[3]] = Group(last, entries_read)
    ks.events.append((b"xgroup-create", key))
    return resp.OK


def _group(ctx: Context, key: bytes, name: bytes) -> tuple[StreamValue, Group] | None:
    stream = ctx.keyspace.get_typed(key, StreamValue)
    group = None if stream is None else stream.groups.get(name)
    return None if stream is None or group is None else (stream, group)


def xack(ctx: Context, args: list[bytes]) -> bytes:
    found = _group(ctx, args[1], args[2])
    if found is None:
        return resp.ZERO
    stream, group = found
    ids = [strict_id(arg) for arg in args[3:]]
    if None in ids:
        return ERR_INVALID_ID
    acked = sum(1 for ident in ids if ident is not None and group.ack(ident))
    if acked:
        ctx.keyspace.modified(args[1], stream)
    return resp.integer(acked)


def xpending(ctx: Context, args: list[bytes]) -> bytes:
    count = len(args)
    if count != 3 and not 6 <= count <= 9:
        return resp.ERR_SYNTAX
    min_idle, limit, start, end, owner = 0, 0, 0, 0, None
    if count >= 6:
        at = 3
        if word(args[3]) == b"idle":
            parsed = resp.parse_int(args[4])
            if parsed is None:
                return resp.ERR_NOT_INT
            if count < 8:
                return resp.ERR_SYNTAX
            min_idle, at = parsed, 5
        parsed = resp.parse_int(args[at + 2])
        if parsed is None:
            return resp.ERR_NOT_INT
        limit = max(parsed, 0)
        bound = parse_bound(args[at], 0)
        if isinstance(bound, bytes):
            return bound
        start = bound
        bound = parse_bound(args[at + 1], MASK)
        if isinstance(bound, bytes):
            return bound
        end = bound
        owner = args[at + 3] if at + 3 < count else None
    found = _group(ctx, args[1], args[2])
    if found is None:
        return nogroup(args[1], args[2])
    group = found[1]
    if count == 3:
        return _summary(group)
    pel = group.pel
    if owner is not None:
        consumer = group.consumers.get(owner)
        if consumer is None:
            return b"*0\r\n"
        pel = consumer.pel
    now = ctx.keyspace.now // 1000
    replies: list[bytes] = []
    for ident in pel.from_(start):
        if not limit or ident > end:
            break
        nack = pel.nacks[ident]
        idle = now - nack.delivered
        if min_idle and idle < min_idle:
            continue
        limit -= 1
        name = nack.consumer.name
        replies.append(
            b"*4\r\n%s$%d\r\n%s\r\n:%d\r\n:%d\r\n"
            % (id_bulk(ident), len(name), name, max(idle, 0), nack.count)
        )
    return resp.array(replies)


def _summary(group: Group) -> bytes:
    first, last = group.pel.order.first(), group.pel.order.last()
    if first is None or last is None:
        return b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"
    owners = [
        b"*2\r\n%s%s" % (resp.bulk(name), resp.bulk(b"%d" % len(consumer.pel)))
        for name, consumer in sorted(group.consumers.items())
        if len(consumer.pel)
    ]
    return b"*4\r\n:%d\r\n%s%s%s" % (
        len(group.pel),
        id_bulk(first),
        id_bulk(last),
        resp.array(owners),
    )


ROWS = (
    CommandSpec(b"xgroup", -2, Flag.WRITE | Flag.DENYOOM, NO_KEYS, xgroup),
    CommandSpec(b"xack", -4, Flag.WRITE | Flag.FAST, FIRST_KEY, xack),
    CommandSpec(b"xpending", -3, Flag.READONLY, FIRST_KEY, xpending),
)
