"""Pub/sub and watch commands: SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE,
RABIA.WATCH, RABIA.UNWATCH and PUBSUB, answered by the connection
(``rabia.kv.subscriptions``); PUBLISH, a log command, so that a message published at
one node reaches the subscribers of every node, in commit order."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Context, Flag, Session
from rabia.kv.glob import matcher

PUBSUB_HELP = [
    b"PUBSUB <subcommand> [<arg> ...]. Subcommands are:",
    b"CHANNELS [<pattern>]",
    b"    The channels this node's clients are subscribed to (matching <pattern>).",
    b"NUMPAT",
    b"    How many distinct patterns this node's clients are subscribed to.",
    b"NUMSUB [<channel> ...]",
    b"    Each channel with how many of this node's clients are subscribed to it.",
    b"SHARDCHANNELS [<pattern>] | SHARDNUMSUB [<channel> ...]",
    b"    Shard channels: there are none (no sharded pub/sub).",
    b"HELP",
    b"    This help.",
]
PUBSUB_ARITY = {b"channels": -2, b"numpat": 2, b"numsub": -2, b"help": 2}
PUBSUB_ARITY |= {b"shardchannels": -2, b"shardnumsub": -2}


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


def publish(ctx: Context, args: list[bytes]) -> bytes:
    """PUBLISH channel message: delivered with the command's events at every node. The
    machine answers 0 on every replica (scripts see that); the client's node answers the
    subscriptions it reached there (``receivers_here``)."""
    ks = ctx.keyspace
    ks.published.append((len(ks.events), args[1], args[2]))
    return resp.integer(0)


def receivers_here(conn: Session, args: list[bytes], reply: bytes) -> bytes:
    """PUBLISH's reply at the client's node: what Redis answers, the subscriptions of
    this server (this node) the message reached (counted once it was delivered here)."""
    return resp.integer(conn.hub.receivers(args[1])) if reply == resp.integer(0) else reply


def pubsub(conn: Session, args: list[bytes]) -> None:
    """PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP, about the
    subscriptions of this node (as Redis's are about one server's)."""
    refused = PUBSUB_ROW.subcommand_error(args)
    if refused is not None:
        conn.reply(refused)
        return
    sub = args[1].lower()
    conn.last_command = b"pubsub|" + sub
    hub = conn.hub
    if sub in (b"channels", b"shardchannels") and len(args) > 3:
        text = b"unknown subcommand or wrong number of arguments for '%s'. Try PUBSUB HELP."
        conn.reply(resp.error(text % args[1]))
    elif sub == b"channels":
        match = matcher(args[2]) if len(args) == 3 else None
        names = sorted(c for c in hub.channels() if match is None or match(c))
        conn.reply(resp.bulk_array(names))
    elif sub == b"numsub":
        counts = hub.channels()
        pairs = [(resp.bulk(c), resp.integer(counts.get(c, 0))) for c in args[2:]]
        conn.reply(resp.array(part for pair in pairs for part in pair))
    elif sub == b"numpat":
        conn.reply(resp.integer(len(hub.patterns())))
    elif sub == b"shardchannels":
        conn.reply(resp.array(()))
    elif sub == b"shardnumsub":
        conn.reply(resp.array(part for c in args[2:] for part in (resp.bulk(c), resp.integer(0))))
    else:
        conn.reply(resp.array(resp.simple(line) for line in PUBSUB_HELP))


PUBSUB_ROW = CommandSpec(b"pubsub", -2, Flag.LOCAL, local=pubsub, subcommands=PUBSUB_ARITY)
"""PUBSUB's row (its handler checks the subcommand with it)."""
_FLAGS = Flag.LOCAL | Flag.PUBSUB | Flag.NOSCRIPT | Flag.SUBSCRIBED

ROWS = (
    CommandSpec(b"subscribe", -2, _FLAGS, local=subscribe),
    CommandSpec(b"psubscribe", -2, _FLAGS, local=psubscribe),
    CommandSpec(b"unsubscribe", -1, _FLAGS, local=unsubscribe),
    CommandSpec(b"punsubscribe", -1, _FLAGS, local=punsubscribe),
    CommandSpec(b"rabia.watch", -2, _FLAGS, local=rabia_watch),
    CommandSpec(b"rabia.unwatch", -1, _FLAGS, local=rabia_unwatch),
    PUBSUB_ROW,
    # Redis flags PUBLISH neither write nor read-only ("may replicate"); here it must be
    # a log entry like a write (never answered without the log), though it changes no key.
    CommandSpec(b"publish", 3, Flag.WRITE | Flag.FAST, handler=publish, at_node=receivers_here),
)
"""The pub/sub commands' rows of the command table (channels and prefixes, no keys)."""
