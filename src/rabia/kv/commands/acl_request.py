"""What a command asks of the ACL (``rabia.kv.acl.check.Request``): its id, its keys
with the access each needs, its channels.

Keys come from the row's key positions, or for commands whose keys move (a count of
keys, ``STREAMS``, ``SORT ... STORE``) from the rules below. Access follows Redis's key
specs in outline: a read-only command reads its keys (metadata ones, ``EXISTS`` or
``TTL``, need either permission), a write writes them, and also reads those whose data
it returns (``INCR``, ``GETDEL``, pops); ``*STORE`` commands write their destination and
read their sources. Finer cases of Redis's key specs are not followed (docs/kv.md).
"""

from __future__ import annotations

from rabia.kv.acl.check import Denial, Request, denial
from rabia.kv.acl.user import User
from rabia.kv.commands.spec import CommandSpec, Flag

_METADATA = frozenset(
    b"exists type ttl pttl expiretime pexpiretime touch object watchrev watch".split()
)
_READ_AND_WRITE = frozenset(
    (
        b"getset getdel getex incr incrby decr decrby incrbyfloat hincrby hincrbyfloat "
        b"lpop rpop lmpop blpop brpop blmpop spop zpopmin zpopmax zmpop bzpopmin bzpopmax "
        b"bzmpop zincrby xreadgroup xautoclaim xclaim bitfield lmove blmove rpoplpush "
        b"brpoplpush smove rename renamenx eval evalsha"
    ).split()
)
_STORES = frozenset(
    b"sdiffstore sinterstore sunionstore zunionstore zinterstore zdiffstore zrangestore "
    b"bitop copy".split()
)
"""Commands writing one key (the destination) and reading the others."""
_NUMKEYS_AT = {
    **dict.fromkeys([b"zunion", b"zinter", b"zdiff", b"zintercard", b"sintercard"], 1),
    **dict.fromkeys([b"lmpop", b"zmpop"], 1),
    **dict.fromkeys([b"blmpop", b"bzmpop", b"eval", b"evalsha", b"eval_ro", b"evalsha_ro"], 2),
    **dict.fromkeys([b"zunionstore", b"zinterstore", b"zdiffstore"], 2),
}
"""Commands giving a count of keys at this position, the keys after it."""


def command_keys(spec: CommandSpec, args: list[bytes]) -> list[bytes]:
    """The keys ``args`` name."""
    name = spec.name
    at = _NUMKEYS_AT.get(name)
    if at is not None:
        count = _count(args, at)
        keys = args[at + 1 : at + 1 + count]
        return [args[1], *keys] if name.endswith(b"store") else keys
    if name in (b"xread", b"xreadgroup"):
        upper = [a.lower() for a in args]
        if b"streams" not in upper:
            return []
        rest = args[upper.index(b"streams") + 1 :]
        return rest[: len(rest) // 2]
    keys = spec.keys.of(args)
    if name in (b"sort", b"sort_ro"):
        upper = [a.lower() for a in args]
        if b"store" in upper[2:-1]:
            keys = [*keys, args[upper.index(b"store", 2) + 1]]
    if name == b"bitop":
        keys = args[2:]
    return keys


def _count(args: list[bytes], at: int) -> int:
    try:
        return max(0, int(args[at])) if len(args) > at else 0
    except ValueError:
        return 0


def _access(spec: CommandSpec, keys: list[bytes]) -> list[tuple[bytes, bool, bool]]:
    name, flags = spec.name, spec.flags
    if name in _METADATA:
        return [(k, False, False) for k in keys]
    if not flags & Flag.WRITE:
        return [(k, True, False) for k in keys]
    if name in _READ_AND_WRITE:
        if name in (b"lmove", b"blmove", b"rpoplpush", b"brpoplpush", b"smove", b"rename"):
            return [(k, i == 0, True) for i, k in enumerate(keys)]
        return [(k, True, True) for k in keys]
    if name in _STORES:
        destination = 1 if name == b"copy" else 0
        return [(k, i != destination, i == destination) for i, k in enumerate(keys)]
    if name in (b"sort", b"sort_ro"):
        return [(k, i == 0, i > 0) for i, k in enumerate(keys)]
    return [(k, False, True) for k in keys]


def request(spec: CommandSpec, args: list[bytes]) -> Request:
    """What ``args`` (which fit the row's arity) ask of the ACL."""
    name = spec.name
    first = args[1] if len(args) > 1 else None
    command = name
    if spec.subcommands is not None and first is not None:
        command = name + b"|" + first.lower()
        first = None
    keys = _access(spec, command_keys(spec, args))
    channels: list[bytes] = []
    patterns: list[bytes] = []
    if name == b"publish":
        channels = [args[1]]
    elif name == b"subscribe":
        channels = args[1:]
    elif name == b"psubscribe":
        patterns = args[1:]
    return Request(command, first, keys, channels, patterns)


def command_denial(user: User, spec: CommandSpec, args: list[bytes]) -> tuple[Denial, bytes] | None:
    """Why ``user`` may not run ``args`` (which fit ``spec``'s arity); None if it may, or
    if its subcommand is unknown (that error comes first, as in Redis)."""
    if spec.subcommand_error(args) is not None:
        return None
    return denial(user, request(spec, args))
