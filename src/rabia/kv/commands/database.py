"""Commands on the whole database: DBSIZE, FLUSHDB."""

from __future__ import annotations

from rabia.kv.commands.spec import CommandSpec, Context, Flag
from rabia.kv.resp import ERR_SYNTAX, OK, integer


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


ROWS = (
    CommandSpec(b"dbsize", 1, Flag.READONLY | Flag.FAST, handler=dbsize),
    CommandSpec(b"flushdb", -1, Flag.WRITE, handler=flushdb),
)
"""The database commands' rows of the command table."""
