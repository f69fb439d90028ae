"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH at the connection; EXEC's log entry
and WATCHREV on every replica.

The connection queues the commands between MULTI and EXEC, refusing at once those that
could never apply (which aborts the EXEC, as in Redis). WATCH reads the keys' revisions
through the log (WATCHREV); EXEC sends the watched revisions and the queued commands as
one log entry, which applies them with nothing interleaved, unless a watched key's
revision changed (``*-1``).
"""

from __future__ import annotations

import msgspec

from rabia.kv import resp
from rabia.kv.acl.check import noperm_in_exec
from rabia.kv.commands.acl_gate import acl_denial
from rabia.kv.commands.context import refusal
from rabia.kv.commands.spec import ALL_KEYS, CommandSpec, Context, Flag, Session
from rabia.kv.entries import decode_args, decode_watched, encode_command

# -- on every replica ------------------------------------------------------------------


def exec_entry(ctx: Context, args: list[bytes]) -> bytes:
    """A transaction's log entry (``rabia.kv.entries.encode_exec``)."""
    try:
        watched = decode_watched(args[1]) if len(args) > 1 else []
        commands = [decode_args(blob) for blob in args[2:]]
    except msgspec.DecodeError:
        return resp.ERR_MALFORMED
    table = ctx.commands
    for command in commands:
        if not command:
            return resp.EXECABORT
        name = command[0].lower()
        if name == b"exec":
            return resp.ERR_NESTED_EXEC
        if refusal(table.get(name), command) is not None:
            return resp.EXECABORT
    revision = ctx.keyspace.key_revision
    if any(revision(key) != rev for key, rev in watched):
        return resp.NULL_ARRAY
    ctx.nested = True  # blocking commands do not block inside a transaction
    try:
        return resp.array([_run_checked(ctx, command) for command in commands])
    finally:
        ctx.nested = False


def _run_checked(ctx: Context, command: list[bytes]) -> bytes:
    """One command of a transaction, unless the rules now refuse it (they may have
    changed since it was queued: Redis checks again at EXEC)."""
    refused = acl_denial(ctx, command)
    return ctx.run(command) if refused is None else noperm_in_exec(refused[0])


def watchrev(ctx: Context, args: list[bytes]) -> bytes:
    """The revisions of keys (what WATCH records)."""
    revision = ctx.keyspace.key_revision
    return resp.array(resp.integer(revision(k)) for k in args[1:])


# -- at the connection -----------------------------------------------------------------


def multi(conn: Session, args: list[bytes]) -> None:
    if conn.multi is not None:
        conn.reply(resp.coded_error(b"ERR MULTI calls can not be nested"))
        return
    conn.multi = []
    conn.multi_error = False
    conn.reply(resp.OK)


def discard(conn: Session, args: list[bytes]) -> None:
    if conn.multi is None:
        conn.reply(resp.coded_error(b"ERR DISCARD without MULTI"))
        return
    conn.multi = None
    conn.watched = {}
    conn.reply(resp.OK)


def exec_(conn: Session, args: list[bytes]) -> None:
    if conn.multi is None:
        conn.reply(resp.coded_error(b"ERR EXEC without MULTI"))
        return
    queued, conn.multi = conn.multi, None
    watched, conn.watched = conn.watched, {}
    if conn.multi_error:
        conn.reply(resp.EXECABORT)
    else:
        conn.submit_transaction(watched, queued)


def watch(conn: Session, args: list[bytes]) -> None:
    if conn.multi is not None:
        conn.reply(resp.coded_error(b"ERR WATCH inside MULTI is not allowed"))
        return
    keys = args[1:]

    def record(reply: bytes) -> bytes:
        if not reply.startswith(b"*"):
            return reply
        revisions = [int(x[1:]) for x in reply.split(b"\r\n")[1:-1]]
        conn.watched.update(zip(keys, revisions, strict=True))
        return resp.OK

    conn.submit(encode_command([b"WATCHREV", *keys]), record)


def unwatch(conn: Session, args: list[bytes]) -> None:
    conn.watched = {}
    conn.reply(resp.OK)


_LOCAL, _CONTROL, _NOSCRIPT = Flag.LOCAL, Flag.TRANSACTION, Flag.NOSCRIPT

ROWS = (
    CommandSpec(b"multi", -1, _LOCAL | _CONTROL | _NOSCRIPT | Flag.FAST, local=multi),
    CommandSpec(b"exec", -1, _LOCAL | _CONTROL | _NOSCRIPT, handler=exec_entry, local=exec_),
    CommandSpec(b"discard", -1, _LOCAL | _CONTROL | _NOSCRIPT | Flag.FAST, local=discard),
    CommandSpec(b"watch", -2, _LOCAL | _CONTROL | _NOSCRIPT | Flag.FAST, ALL_KEYS, local=watch),
    CommandSpec(b"unwatch", -1, _LOCAL | _NOSCRIPT | Flag.FAST, local=unwatch),
    CommandSpec(b"watchrev", -2, Flag.READONLY, ALL_KEYS, watchrev),
)
"""The transaction commands' rows of the command table. Redis's MULTI, EXEC, DISCARD and
UNWATCH take no arguments; here, as before, extra ones are ignored. EXEC's row serves
both the client's EXEC (arity 1 and more) and its log entry (the watched revisions and
the queued commands follow the name)."""
