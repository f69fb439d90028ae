"""The log side of blocking commands (ADR 0014): the internal entries a node's
connections write for them, and serving waiters when a write makes their key ready.

Clients never send these: they are in ``INTERNAL_ROWS``, which only the machine's table
holds (the connection's table does not, so a client naming one gets "unknown command").

- ``RABIA.BCALL wid command...``: run a blocking command; it is served at once, or its
  waiter is registered (``BLOCKED`` marker with its timeout and timeout reply).
- ``RABIA.BACK wid``: the owner node takes a served pop: the reply, or ``GONE`` if it
  was put back meanwhile.
- ``RABIA.BRETURN wid``: the owner cannot hand a served pop out (its client left): the
  elements go back where they were.
- ``RABIA.BUNBLOCK wid``: the client timed out or left: forget its waiter
  (``UNBLOCKED``), unless it was served first (``NOTHING``; the served pop follows its
  own course).
- ``RABIA.BRESET node session``: the node restarted as ``session``: its earlier sessions'
  waiters go and their served pops are put back.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.blocking import (
    ACK_NEEDED,
    DELIVERY_TTL,
    GONE,
    NOTHING,
    SERVED,
    UNBLOCKED,
    Delivery,
    Waiter,
    blocked_marker,
)
from rabia.kv.blocking_undo import CONSUMING, undo_command
from rabia.kv.commands.spec import CommandSpec, Context, Flag

ERR_NOT_BLOCKING = resp.error(b"RABIA.BCALL runs blocking commands only")


def _attempt(ctx: Context, args: list[bytes]) -> bytes:
    """Run a blocking command once, allowed to block (``ctx.block``)."""
    ctx.blocking_call = True
    ctx.block_request = None
    try:
        return ctx.run(args)
    finally:
        ctx.blocking_call = False


def _served(ctx: Context, wid: bytes, args: list[bytes], reply: bytes) -> bytes:
    """The marker of a served call: a pop is kept as a delivery until its ACK."""
    if args[0].lower() in CONSUMING:
        undo = undo_command(args, reply)
        if undo is not None:
            deadline = ctx.keyspace.now + DELIVERY_TTL
            ctx.blocking.deliver(Delivery(wid, reply, undo, deadline))
            return ACK_NEEDED + reply
    return SERVED + reply


def bcall(ctx: Context, args: list[bytes]) -> bytes:
    wid, command = args[1], args[2:]
    spec = ctx.commands.get(command[0].lower())
    if spec is None or not spec.flags & Flag.BLOCKING:
        return ERR_NOT_BLOCKING
    reply = _attempt(ctx, command)
    if reply != resp.BLOCK:
        return _served(ctx, wid, command, reply)
    request = ctx.block_request
    assert request is not None, "a handler returned BLOCK without Context.block"
    now = ctx.keyspace.now
    deadline = now + request.timeout_us if request.timeout_us else 0
    waiter = Waiter(wid, request.args or command, request.keys, deadline, request.nil)
    ctx.blocking.register(waiter)
    ctx.keyspace.blocked.update(request.keys)
    return blocked_marker(request.timeout_us, request.nil)


def back(ctx: Context, args: list[bytes]) -> bytes:
    delivery = ctx.blocking.take(args[1])
    return GONE if delivery is None else delivery.reply


def breturn(ctx: Context, args: list[bytes]) -> bytes:
    delivery = ctx.blocking.take(args[1])
    if delivery is None:
        return NOTHING
    ctx.run(delivery.undo)
    return resp.OK


def bunblock(ctx: Context, args: list[bytes]) -> bytes:
    return NOTHING if ctx.blocking.drop(args[1]) is None else UNBLOCKED


def breset(ctx: Context, args: list[bytes]) -> bytes:
    returned = ctx.blocking.reset(args[1], args[2])
    for delivery in returned:
        ctx.run(delivery.undo)
    return resp.integer(len(returned))


def serve_ready(ctx: Context) -> None:
    """Serve the waiters of the keys the command just applied made ready, oldest first,
    key by key in the order they became ready; serving may make more keys ready (BLMOVE
    pushes to its destination), which are served in turn."""
    ks = ctx.keyspace
    blocking = ctx.blocking
    sink = blocking.sink
    while ks.ready:
        key = next(iter(ks.ready))
        del ks.ready[key]
        waiters = blocking.waiting_on(key)
        if not waiters:
            ks.blocked.discard(key)
            continue
        for waiter in waiters:
            if waiter.deadline and waiter.deadline <= ks.now:
                blocking.drop(waiter.wid)
                continue
            reply = _attempt(ctx, waiter.args)
            if reply == resp.BLOCK:
                continue
            blocking.drop(waiter.wid)
            marker = _served(ctx, waiter.wid, waiter.args, reply)
            if sink is not None:
                sink.served(waiter.wid, marker)


def expire_blocking(ctx: Context) -> None:
    """Forget waiters past their deadline; put back pops not ACKed in time."""
    for delivery in ctx.blocking.expire(ctx.keyspace.now):
        ctx.run(delivery.undo)


_INTERNAL = Flag.WRITE | Flag.NOSCRIPT | Flag.INTERNAL

INTERNAL_ROWS = (
    CommandSpec(b"rabia.bcall", -4, _INTERNAL | Flag.BLOCKING, handler=bcall),
    CommandSpec(b"rabia.back", 2, _INTERNAL | Flag.FAST, handler=back),
    CommandSpec(b"rabia.breturn", 2, _INTERNAL, handler=breturn),
    CommandSpec(b"rabia.bunblock", 2, _INTERNAL | Flag.FAST, handler=bunblock),
    CommandSpec(b"rabia.breset", 3, _INTERNAL, handler=breset),
)
"""Rows of the machine's table only (never the connection's)."""
