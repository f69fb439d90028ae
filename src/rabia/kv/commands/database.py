"""Commands on the whole database: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. There is one
database, number 0: FLUSHALL is FLUSHDB, and SWAPDB only accepts 0 with 0."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Context, Flag
from rabia.kv.resp import ERR_SYNTAX, OK, integer, parse_int

ERR_DB_INDEX = resp.error(b"DB index is out of range")
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def dbsize(ctx: Context, args: list[bytes]) -> bytes:
    return integer(len(ctx.keyspace))


def flushdb(ctx: Context, args: list[bytes]) -> bytes:
    """Every key, election keys included, and every lease (ADR 0008); one event."""
    if len(args) > 2 or (len(args) == 2 and args[1].upper() not in (b"ASYNC", b"SYNC")):
        return ERR_SYNTAX
    ctx.keyspace.flush()
    ctx.leases.clear()
    ctx.keyspace.events.append((b"flushdb", b""))
    return OK


def swapdb(ctx: Context, args: list[bytes]) -> bytes:
    """SWAPDB index1 index2: swapping database 0 with itself changes nothing."""
    for text, which in ((args[1], b"first"), (args[2], b"second")):
        index = parse_int(text)
        if index is None or not INT32_MIN <= index <= INT32_MAX:
            return resp.error(b"invalid %s DB index" % which)
    if args[1] != b"0" or args[2] != b"0":
        return ERR_DB_INDEX
    return OK


ROWS = (
    CommandSpec(b"dbsize", 1, Flag.READONLY | Flag.FAST, handler=dbsize),
    CommandSpec(b"flushdb", -1, Flag.WRITE, handler=flushdb),
    CommandSpec(b"flushall", -1, Flag.WRITE, handler=flushdb),
    CommandSpec(b"swapdb", 3, Flag.WRITE | Flag.FAST, handler=swapdb),
)
"""The database commands' rows of the command table."""
