"""Commands that move, copy or describe keys of any type: RENAME, RENAMENX, COPY,
RANDOMKEY, OBJECT."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import NO_KEYS, CommandSpec, Context, Flag, KeyPositions
from rabia.kv.resp import ERR_KEY_SIZE, ERR_NOT_INT, ERR_SYNTAX, NIL, OK, ONE, ZERO, parse_int
from rabia.kv.store import Value

ERR_NO_SUCH_KEY = resp.error(b"no such key")
ERR_SAME_OBJECT = resp.error(b"source and destination objects are the same")
ERR_DB_INDEX = resp.error(b"DB index is out of range")
ERR_NO_LFU = resp.error(
    b"An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    b"that when switching between policies at runtime LRU and LFU data will take some "
    b"time to adjust."
)
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
SHARED_INTEGERS = 10_000
"""Redis shares the objects of the integers 0..9999 (OBJECT REFCOUNT reports them as
referenced 2^31-1 times)."""
EMBSTR_LIMIT = 44
"""Redis keeps strings up to 44 bytes in one allocation with their header ("embstr")."""


def _rename(ctx: Context, args: list[bytes], only_new: bool) -> bytes:
    """Move a key of any type, with its TTL, replacing the destination (unless
    ``only_new``): ``rename_from`` and ``rename_to`` events."""
    ks, source, dest = ctx.keyspace, args[1], args[2]
    if not ks.exists(source):
        return ERR_NO_SUCH_KEY
    if source == dest:
        return ZERO if only_new else OK
    if ks.exists(dest):
        if only_new:
            return ZERO
    elif len(dest) > ctx.limits.max_key_size:
        return ERR_KEY_SIZE
    taken = ks.take(source)
    assert taken is not None
    ks.place(dest, *taken)
    ks.events.append((b"rename_from", source))
    ks.events.append((b"rename_to", dest))
    return ONE if only_new else OK


def rename(ctx: Context, args: list[bytes]) -> bytes:
    return _rename(ctx, args, only_new=False)


def renamenx(ctx: Context, args: list[bytes]) -> bytes:
    return _rename(ctx, args, only_new=True)


def copy(ctx: Context, args: list[bytes]) -> bytes:
    """COPY source destination [DB 0] [REPLACE]: 1 when copied (with the TTL), 0 when
    the source is missing or the destination exists (without REPLACE). Only database 0
    exists."""
    replace = False
    i = 3
    while i < len(args):
        option = args[i].upper()
        if option == b"REPLACE":
            replace = True
        elif option == b"DB" and i + 1 < len(args):
            db = parse_int(args[i + 1])
            if db is None or not INT32_MIN <= db <= INT32_MAX:
                return ERR_NOT_INT
            if db != 0:
                return ERR_DB_INDEX
            i += 1
        else:
            return ERR_SYNTAX
        i += 1
    ks, source, dest = ctx.keyspace, args[1], args[2]
    if source == dest:
        return ERR_SAME_OBJECT
    value = ks.lookup(source)
    if value is None:
        return ZERO
    if ks.exists(dest):
        if not replace:
            return ZERO
    elif (error := ctx.check_new_key(dest)) is not None:
        return error
    duplicate: Value = value if isinstance(value, bytes) else value.copy()
    ks.place(dest, duplicate, ks.expiry(source))
    ks.events.append((b"copy_to", dest))
    return ONE


def randomkey(ctx: Context, args: list[bytes]) -> bytes:
    """A key drawn with the entry's random source: the same on every replica."""
    keys = ctx.keyspace.sorted_keys()
    return resp.bulk(keys[ctx.random().randrange(len(keys))]) if keys else NIL


def _is_long(value: bytes) -> bool:
    return len(value) <= 20 and parse_int(value) is not None


def encoding(value: Value) -> bytes:
    """OBJECT ENCODING: a string's as a plain SET of it gets in Redis (int, embstr,
    raw); a typed value's own."""
    if not isinstance(value, bytes):
        return value.ENCODING
    text = value[8:]
    if _is_long(text):
        return b"int"
    return b"embstr" if len(text) <= EMBSTR_LIMIT else b"raw"


def refcount(value: Value) -> int:
    if isinstance(value, bytes) and _is_long(value[8:]):
        number = int(value[8:])
        if 0 <= number < SHARED_INTEGERS:
            return INT32_MAX
    return 1


HELP = [
    b"OBJECT <subcommand> [<arg> ...]. Subcommands are:",
    b"ENCODING <key>",
    b"    The internal representation Redis would use for the value of <key>.",
    b"FREQ <key>",
    b"    Access frequency (only kept under an LFU maxmemory policy: never here).",
    b"IDLETIME <key>",
    b"    Seconds since the key was last accessed (not kept here: always 0).",
    b"REFCOUNT <key>",
    b"    References to the value of <key> (shared small integers: 2147483647).",
    b"HELP",
    b"    This help.",
]


OBJECT_SUBCOMMANDS = {b"encoding": 3, b"refcount": 3, b"idletime": 3, b"freq": 3, b"help": 2}


def object_(ctx: Context, args: list[bytes]) -> bytes:
    """OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ key, OBJECT HELP."""
    refused = ctx.commands[b"object"].subcommand_error(args)
    if refused is not None:
        return refused
    sub = args[1].lower()
    if sub == b"help":
        return resp.array(resp.simple(line) for line in HELP)
    value = ctx.keyspace.lookup(args[2])
    if value is None:
        return NIL
    if sub == b"encoding":
        return resp.bulk(encoding(value))
    if sub == b"refcount":
        return resp.integer(refcount(value))
    if sub == b"freq":
        return ERR_NO_LFU
    return ZERO


_W, _R = Flag.WRITE, Flag.READONLY
_FROM_TO = KeyPositions(1, 2, 1)

ROWS = (
    CommandSpec(b"rename", 3, _W, _FROM_TO, rename),
    CommandSpec(b"renamenx", 3, _W | Flag.FAST, _FROM_TO, renamenx),
    CommandSpec(b"copy", -3, _W | Flag.DENYOOM, _FROM_TO, copy),
    CommandSpec(b"randomkey", 1, _R, NO_KEYS, randomkey),
    CommandSpec(b"object", -2, _R, NO_KEYS, object_, subcommands=OBJECT_SUBCOMMANDS),
)
"""The generic key commands' rows of the command table."""
