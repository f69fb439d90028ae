"""Each command's Redis 7.0 ACL categories, and the ACL catalog of a command table.

Most follow from a command's row: ``@read`` from ``READONLY`` and ``@write`` from
``WRITE`` (data commands only), ``@fast`` or else ``@slow`` from ``FAST``,
``@blocking`` from ``BLOCKING``; the data type (``@string``, ``@hash``...) and the
other groups come from the lists below, and ``EXTRA``/``NOT`` hold where Redis differs.
A container command's subcommands have categories of their own (``SUBCOMMANDS``); the
container itself is ``@slow`` only. Commands Redis does not have (leases, elections, watches)
get what their rows say.
"""

from __future__ import annotations

from collections.abc import Mapping

from rabia.kv.acl.catalog import CATEGORIES, Catalog
from rabia.kv.commands.spec import CommandSpec, Flag


def _names(text: str) -> frozenset[bytes]:
    return frozenset(text.encode().split())


TYPES: dict[bytes, frozenset[bytes]] = {
    b"string": _names(
        "append decr decrby get getdel getex getrange getset incr incrby incrbyfloat lcs "
        "mget mset msetnx psetex set setex setnx setrange strlen substr"
    ),
    b"bitmap": _names("bitcount bitfield bitfield_ro bitop bitpos getbit setbit"),
    b"hash": _names(
        "hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hrandfield "
        "hscan hset hsetnx hstrlen hvals"
    ),
    b"list": _names(
        "blmove blmpop blpop brpop brpoplpush lindex linsert llen lmove lmpop lpop lpos "
        "lpush lpushx lrange lrem lset ltrim rpop rpoplpush rpush rpushx sort sort_ro"
    ),
    b"set": _names(
        "sadd scard sdiff sdiffstore sinter sintercard sinterstore sismember smembers "
        "smismember smove spop srandmember srem sscan sunion sunionstore sort sort_ro"
    ),
    b"sortedset": _names(
        "bzmpop bzpopmax bzpopmin zadd zcard zcount zdiff zdiffstore zincrby zinter "
        "zintercard zinterstore zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange "
        "zrangebylex zrangebyscore zrangestore zrank zrem zremrangebylex zremrangebyrank "
        "zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore "
        "zunion zunionstore sort sort_ro"
    ),
    b"stream": _names(
        "xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending xrange xread "
        "xreadgroup xrevrange xsetid xtrim"
    ),
    b"keyspace": _names(
        "copy dbsize del exists expire expireat expiretime flushall flushdb keys persist "
        "pexpire pexpireat pexpiretime pttl randomkey rename renamenx scan swapdb touch ttl "
        "type unlink watchrev"
    ),
    b"pubsub": _names(
        "psubscribe publish punsubscribe subscribe unsubscribe rabia.watch rabia.unwatch"
    ),
    b"scripting": _names("eval eval_ro evalsha evalsha_ro"),
    b"transaction": _names("discard exec multi unwatch watch"),
    b"connection": _names("auth echo hello ping quit reset select wait command"),
}
"""Category -> commands, besides the ones derived from flags."""

DANGEROUS = _names("flushall flushdb info keys sort sort_ro swapdb")

EXTRA: dict[bytes, frozenset[bytes]] = {b"fast": _names("publish")}
"""Categories Redis gives beyond what the rows say."""

NOT: dict[bytes, frozenset[bytes]] = {b"read": _names("time info")}
"""Categories the rows would give that Redis does not (applied before ``EXTRA``)."""

_CONNECTION_ADMIN = frozenset([b"admin", b"slow", b"dangerous", b"connection"])
_ADMIN = frozenset([b"admin", b"slow", b"dangerous"])
_SLOW = frozenset([b"slow"])

SUBCOMMANDS: dict[bytes, frozenset[bytes]] = {
    **{
        b"client|" + s: frozenset([b"slow", b"connection"])
        for s in _names("getname help id info setname setinfo no-touch")
    },
    **{b"client|" + s: _CONNECTION_ADMIN for s in _names("kill list no-evict")},
    **{b"config|" + s: _ADMIN for s in _names("get resetstat rewrite set")},
    b"config|help": _SLOW,
    **{
        b"object|" + s: frozenset([b"keyspace", b"read", b"slow"])
        for s in _names("encoding freq idletime refcount")
    },
    b"object|help": frozenset([b"keyspace", b"slow"]),
    **{
        b"pubsub|" + s: frozenset([b"pubsub", b"slow"])
        for s in _names("channels numpat numsub shardchannels shardnumsub")
    },
    b"pubsub|help": _SLOW,
    **{
        b"script|" + s: frozenset([b"slow", b"scripting"])
        for s in _names("debug exists flush help kill load")
    },
    **{b"acl|" + s: _ADMIN for s in _names("deluser dryrun getuser list setuser users")},
    **{b"acl|" + s: _SLOW for s in _names("cat help whoami")},
}
"""The categories of each subcommand of a container command."""


def command_categories(spec: CommandSpec) -> frozenset[bytes]:
    """The categories of a command (not a container: see ``SUBCOMMANDS``)."""
    name, flags = spec.name, spec.flags
    found = {category for category, names in TYPES.items() if name in names}
    data = not found & {b"pubsub", b"scripting", b"transaction", b"connection"}
    if data and flags & Flag.READONLY:
        found.add(b"read")
    if data and flags & Flag.WRITE:
        found.add(b"write")
    found.add(b"fast" if flags & Flag.FAST else b"slow")
    if flags & Flag.BLOCKING:
        found.add(b"blocking")
    if name in DANGEROUS:
        found.add(b"dangerous")
    for category, names in NOT.items():
        if name in names:
            found.discard(category)
    for category, names in EXTRA.items():
        if name in names:
            found.add(category)
    if b"fast" in found:
        found.discard(b"slow")
    return frozenset(found)


def catalog(commands: Mapping[bytes, CommandSpec]) -> Catalog:
    """The ACL catalog of a command table (internal rows left out)."""
    members: dict[bytes, set[bytes]] = {category: set() for category in CATEGORIES}
    ids: set[bytes] = set()
    containers: dict[bytes, tuple[bytes, ...]] = {}
    for name, spec in commands.items():
        if spec.flags & Flag.INTERNAL:
            continue
        ids.add(name)
        if spec.subcommands is None:
            for category in command_categories(spec):
                members[category].add(name)
            continue
        subs = tuple(name + b"|" + sub for sub in sorted(spec.subcommands))
        containers[name] = subs
        ids.update(subs)
        members[b"slow"].add(name)
        for sub in subs:
            for category in SUBCOMMANDS.get(sub, _SLOW):
                members[category].add(sub)
    return Catalog(frozenset(ids), {c: frozenset(m) for c, m in members.items()}, containers)
