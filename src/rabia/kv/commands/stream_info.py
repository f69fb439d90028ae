"""XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP.

Replies are Redis 7.0's, maps included (RESP3: maps; RESP2: flat arrays). Times are log
time: a consumer's idle time is the log time minus the time it was last seen, and FULL's
delivery and seen times are log times in milliseconds. ``radix-tree-keys`` is the number
of nodes (``values.stream_node``); ``radix-tree-nodes`` is computed for the compressed
radix tree those node keys make.
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.commands.spec import NO_KEYS, CommandSpec, Context, Flag
from rabia.kv.commands.stream_args import (
    ERR_NO_KEY,
    entry,
    id_bulk,
    nogroup_for_key,
    subcommand_arity,
    subcommand_syntax,
    unknown_subcommand,
    word,
)
from rabia.kv.values.stream import MAX_ID, StreamValue
from rabia.kv.values.stream_group import Group, Pel

SUBCOMMANDS = {b"stream": -3, b"groups": 3, b"consumers": 4, b"help": 2}
HELP = [
    b"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CONSUMERS <key> <group>",
    b"    The consumers of a group: name, pending entries, idle time.",
    b"GROUPS <key>",
    b"    The consumer groups of a stream.",
    b"STREAM <key> [FULL [COUNT <n>]]",
    b"    The stream: its counters, first and last entries (FULL: entries and groups).",
    b"HELP",
    b"    Print this help.",
]


def _field(name: bytes, value: bytes) -> bytes:
    return resp.bulk(name) + value


def _flat(fields: list[bytes]) -> bytes:
    """A flat array of ``_field``s: a map in RESP3."""
    return b"*%d\r\n%s" % (2 * len(fields), b"".join(fields))


def _maybe(value: int | None) -> bytes:
    return resp.NIL if value is None else resp.integer(value)


def radix_tree_nodes(keys: list[bytes]) -> int:
    """Nodes of the compressed radix tree holding ``keys`` (sorted, of equal length):
    one per branching point and per compressed run, plus one per key end."""
    if not keys:
        return 1

    def count(lo: int, hi: int, depth: int) -> int:
        first, last = keys[lo], keys[hi - 1]
        if depth == len(first):
            return 1
        common = depth
        while common < len(first) and first[common] == last[common]:
            common += 1
        if common > depth:
            return 1 + count(lo, hi, common)
        total, start = 1, lo
        while start < hi:
            end = start + 1
            while end < hi and keys[end][depth] == keys[start][depth]:
                end += 1
            total += count(start, end, depth + 1)
            start = end
        return total

    return count(0, len(keys), 0)


def _head(stream: StreamValue) -> list[bytes]:
    keys = [master.to_bytes(16, "big") for master in stream.masters]
    return [
        _field(b"length", resp.integer(stream.length)),
        _field(b"radix-tree-keys", resp.integer(len(stream.nodes))),
        _field(b"radix-tree-nodes", resp.integer(radix_tree_nodes(keys))),
        _field(b"last-generated-id", id_bulk(stream.last_id)),
        _field(b"max-deleted-entry-id", id_bulk(stream.max_deleted)),
        _field(b"entries-added", resp.integer(stream.entries_added)),
        _field(b"recorded-first-entry-id", id_bulk(stream.first_id)),
    ]


def _stream(stream: StreamValue, args: list[bytes]) -> bytes:
    options = args[3:]
    if not options:
        first = next(stream.entries(0, MAX_ID), None)
        last = next(stream.entries_reversed(MAX_ID, 0), None)
        fields = [
            *_head(stream),
            _field(b"groups", resp.integer(len(stream.groups))),
            _field(b"first-entry", resp.NIL if first is None else entry(*first)),
            _field(b"last-entry", resp.NIL if last is None else entry(*last)),
        ]
        return _flat(fields)
    if len(options) not in (1, 3) or word(options[0]) != b"full":
        return subcommand_syntax(args)
    count = 10
    if len(options) == 3:
        if word(options[1]) != b"count":
            return subcommand_syntax(args)
        parsed = resp.parse_int(options[2])
        if parsed is None:
            return resp.ERR_NOT_INT
        count = 10 if parsed < 0 else parsed
    entries: list[bytes] = []
    for found in stream.entries(0, MAX_ID):
        if count and len(entries) == count:
            break
        entries.append(entry(*found))
    groups = [
        _full_group(stream, name, stream.groups[name], count) for name in sorted(stream.groups)
    ]
    fields = [
        *_head(stream),
        _field(b"entries", resp.array(entries)),
        _field(b"groups", resp.array(groups)),
    ]
    return _flat(fields)


def _pending(pel: Pel, count: int, owner: bool) -> bytes:
    replies: list[bytes] = []
    for ident in pel.from_(0):
        if count and len(replies) == count:
            break
        nack = pel.nacks[ident]
        name = resp.bulk(nack.consumer.name) if owner else b""
        replies.append(
            b"*%d\r\n%s%s:%d\r\n:%d\r\n"
            % (4 if owner else 3, id_bulk(ident), name, nack.delivered, nack.count)
        )
    return resp.array(replies)


def _full_group(stream: StreamValue, name: bytes, group: Group, count: int) -> bytes:
    consumers = [
        _flat(
            [
                _field(b"name", resp.bulk(consumer.name)),
                _field(b"seen-time", resp.integer(consumer.seen)),
                _field(b"pel-count", resp.integer(len(consumer.pel))),
                _field(b"pending", _pending(consumer.pel, count, owner=False)),
            ]
        )
        for _, consumer in sorted(group.consumers.items())
    ]
    read = None if group.entries_read == -1 else group.entries_read
    return _flat(
        [
            _field(b"name", resp.bulk(name)),
            _field(b"last-delivered-id", id_bulk(group.last_id)),
            _field(b"entries-read", _maybe(read)),
            _field(b"lag", _maybe(stream.lag(group))),
            _field(b"pel-count", resp.integer(len(group.pel))),
            _field(b"pending", _pending(group.pel, count, owner=True)),
            _field(b"consumers", resp.array(consumers)),
        ]
    )


def _groups(stream: StreamValue) -> bytes:
    replies: list[bytes] = []
    for name in sorted(stream.groups):
        group = stream.groups[name]
        read = None if group.entries_read == -1 else group.entries_read
        fields = [
            _field(b"name", resp.bulk(name)),
            _field(b"consumers", resp.integer(len(group.consumers))),
            _field(b"pending", resp.integer(len(group.pel))),
            _field(b"last-delivered-id", id_bulk(group.last_id)),
            _field(b"entries-read", _maybe(read)),
            _field(b"lag", _maybe(stream.lag(group))),
        ]
        replies.append(_flat(fields))
    return resp.array(replies)


def _consumers(group: Group, now: int) -> bytes:
    replies: list[bytes] = []
    for name, consumer in sorted(group.consumers.items()):
        fields = [
            _field(b"name", resp.bulk(name)),
            _field(b"pending", resp.integer(len(consumer.pel))),
            _field(b"idle", resp.integer(max(now - consumer.seen, 0))),
        ]
        replies.append(_flat(fields))
    return resp.array(replies)


def xinfo(ctx: Context, args: list[bytes]) -> bytes:
    sub = args[1].lower()
    arity = SUBCOMMANDS.get(sub)
    if arity is None:
        return unknown_subcommand(args)
    if (error := subcommand_arity(args, arity)) is not None:
        return error
    if sub == b"help":
        return resp.array(resp.simple(line) for line in HELP)
    stream = ctx.keyspace.get_typed(args[2], StreamValue)
    if stream is None:
        return ERR_NO_KEY
    if sub == b"stream":
        return _stream(stream, args)
    if sub == b"groups":
        return _groups(stream)
    group = stream.groups.get(args[3])
    if group is None:
        return nogroup_for_key(args[2], args[3])
    return _consumers(group, ctx.keyspace.now // 1000)


# -- RESP3: the flat arrays of field, value, ... become maps ------------------------------


def _to_map(reply: bytes, inner: dict[bytes, Callable[[bytes], bytes]]) -> bytes:
    items = resp.elements(reply)
    for at in range(0, len(items) - 1, 2):
        convert = inner.get(items[at])
        if convert is not None:
            items[at + 1] = convert(items[at + 1])
    return b"%%%d\r\n%s" % (len(items) // 2, b"".join(items))


def _maps(reply: bytes, inner: dict[bytes, Callable[[bytes], bytes]] | None = None) -> bytes:
    items = resp.elements(reply)
    return b"*%d\r\n%s" % (len(items), b"".join(_to_map(item, inner or {}) for item in items))


_CONSUMERS = resp.bulk(b"consumers")
_GROUPS = resp.bulk(b"groups")


def info_to_maps(reply: bytes) -> bytes:
    """XINFO's RESP3 form: every field-value array a map (nested ones in FULL too)."""
    items = resp.elements(reply)
    if not items:
        return reply
    if items[0] == resp.bulk(b"length"):
        full = resp.bulk(b"entries") in items[::2]
        groups: dict[bytes, Callable[[bytes], bytes]] = {
            _GROUPS: lambda value: _maps(value, {_CONSUMERS: _maps})
        }
        return _to_map(reply, groups if full else {})
    if items[0].startswith(b"*"):
        return _maps(reply)
    return reply


ROWS = (CommandSpec(b"xinfo", -2, Flag.READONLY, NO_KEYS, xinfo, resp3=info_to_maps),)
