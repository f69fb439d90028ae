"""Errors the connection gives before running a command: unknown, wrong arity, unknown
subcommand (connection-level commands included), and RESP2 subscribe mode's refusal."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.context import refusal as log_refusal
from rabia.kv.commands.spec import CommandSpec


def refusal(spec: CommandSpec | None, args: list[bytes]) -> bytes | None:
    """The error a command gets before anything else (unknown, wrong arity, unknown
    subcommand), connection-level ones included; None if it may run."""
    if spec is None or spec.local is None:
        return log_refusal(spec, args)
    if not spec.accepts(len(args)):
        return resp.arity_error(args[0])
    return spec.subcommand_error(args)


def not_subscribed(spec: CommandSpec | None, args: list[bytes]) -> bytes:
    """The error for a command RESP2 subscribe mode does not allow (EXEC's, as Redis
    words a refused EXEC, says the transaction is discarded)."""
    name = args[0].lower()
    if spec is not None and spec.subcommands is not None:
        name += b"|" + args[1].lower()
    text = (
        b"Can't execute '%s': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / RABIA.(UN)WATCH"
        b" / PING / QUIT / RESET are allowed in this context" % name
    )
    if name == b"exec":
        return resp.coded_error(b"EXECABORT Transaction discarded because of: " + text)
    return resp.error(text)
