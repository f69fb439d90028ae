"""Pub/sub and watch commands, answered by the connection (``rabia.kv.subscriptions``):
SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, RABIA.WATCH, RABIA.UNWATCH."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Flag, Session


def subscribe(conn: Session, args: list[bytes]) -> None:
    conn.subscriptions().subscribe(args[1:])


def psubscribe(conn: Session, args: list[bytes]) -> None:
    conn.subscriptions().psubscribe(args[1:])


def unsubscribe(conn: Session, args: list[bytes]) -> None:
    conn.subscriptions().unsubscribe(args[1:], patterns=False)


def punsubscribe(conn: Session, args: list[bytes]) -> None:
    conn.subscriptions().unsubscribe(args[1:], patterns=True)


def rabia_watch(conn: Session, args: list[bytes]) -> None:
    """RABIA.WATCH prefix [revision]: every change under prefix from revision on
    (default: the next revision this node applies)."""
    if len(args) > 3:
        conn.reply(resp.arity_error(args[0]))
        return
    start = conn.revision + 1
    if len(args) == 3:
        parsed = resp.parse_int(args[2])
        if parsed is None or parsed < 1:
            conn.reply(resp.error(b"revision must be a positive integer"))
            return
        start = parsed
    conn.subscriptions().watch(args[1], start)


def rabia_unwatch(conn: Session, args: list[bytes]) -> None:
    conn.subscriptions().unwatch(args[1:])


_FLAGS = Flag.LOCAL | Flag.PUBSUB | Flag.NOSCRIPT | Flag.SUBSCRIBED

ROWS = (
    CommandSpec(b"subscribe", -2, _FLAGS, local=subscribe),
    CommandSpec(b"psubscribe", -2, _FLAGS, local=psubscribe),
    CommandSpec(b"unsubscribe", -1, _FLAGS, local=unsubscribe),
    CommandSpec(b"punsubscribe", -1, _FLAGS, local=punsubscribe),
    CommandSpec(b"rabia.watch", -2, _FLAGS, local=rabia_watch),
    CommandSpec(b"rabia.unwatch", -1, _FLAGS, local=rabia_unwatch),
)
"""The pub/sub commands' rows of the command table (channels and prefixes, no keys)."""
