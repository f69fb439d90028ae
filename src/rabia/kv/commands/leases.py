"""Lease commands (ADR 0008): LEASE.GRANT, LEASE.KEEPALIVE, LEASE.REVOKE, LEASE.TTL; and
the end of leases by log time, which the machine runs before every command."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Context, Flag
from rabia.kv.leases import Lease
from rabia.kv.resp import ERR_NOT_INT, INT64_MAX, ONE, ZERO, integer, parse_int

MAX_LEASE_TTL_MS = 365 * 24 * 3600 * 1000
"""Largest ``LEASE.GRANT`` TTL (one year)."""

ERR_LEASE_TTL = resp.error(b"invalid lease TTL, must be 1 to %d ms" % MAX_LEASE_TTL_MS)
ERR_MAX_LEASES = resp.error(b"max number of leases reached")


def no_lease(lease_id: int) -> bytes:
    """The reply naming a lease that does not exist (or no longer)."""
    return b"-NOLEASE lease %d not found or expired\r\n" % lease_id


def drop_keys(ctx: Context, keys: list[bytes], event: bytes) -> None:
    """Delete the keys of a revoked or expired lease, each with ``event``."""
    ks = ctx.keyspace
    for key in keys:
        if ks.delete(key):
            ks.events.append((event, key))


def expire_leases(ctx: Context) -> None:
    """End every lease whose deadline is at or before the log time, with its keys."""
    for keys in ctx.leases.expire(ctx.keyspace.now):
        drop_keys(ctx, keys, b"expired")


def live_lease(ctx: Context, arg: bytes) -> tuple[int, Lease] | bytes:
    """The id and live lease named by ``arg``, or the error reply."""
    lease_id = parse_int(arg)
    if lease_id is None:
        return ERR_NOT_INT
    lease = ctx.leases.get(lease_id)
    return no_lease(lease_id) if lease is None else (lease_id, lease)


def grant(ctx: Context, args: list[bytes]) -> bytes:
    ttl_ms = parse_int(args[1])
    if ttl_ms is None:
        return ERR_NOT_INT
    now = ctx.keyspace.now
    if not 0 < ttl_ms <= MAX_LEASE_TTL_MS or now + ttl_ms * 1000 > INT64_MAX:
        return ERR_LEASE_TTL
    leases = ctx.leases
    if len(leases) >= ctx.limits.max_leases:
        return ERR_MAX_LEASES
    lease_id = leases.token(ctx.revision)
    leases.grant(lease_id, ttl_ms * 1000, now)
    return integer(lease_id)


def keepalive(ctx: Context, args: list[bytes]) -> bytes:
    lease_id = parse_int(args[1])
    if lease_id is None:
        return ERR_NOT_INT
    lease = ctx.leases.keepalive(lease_id, ctx.keyspace.now)
    return no_lease(lease_id) if lease is None else integer(lease.ttl // 1000)


def revoke(ctx: Context, args: list[bytes]) -> bytes:
    lease_id = parse_int(args[1])
    if lease_id is None:
        return ERR_NOT_INT
    if ctx.leases.get(lease_id) is None:
        return ZERO
    drop_keys(ctx, ctx.leases.remove(lease_id), b"del")
    return ONE


def ttl(ctx: Context, args: list[bytes]) -> bytes:
    lease_id = parse_int(args[1])
    if lease_id is None:
        return ERR_NOT_INT
    lease = ctx.leases.get(lease_id)
    if lease is None:
        return integer(-2)
    return integer((lease.deadline - ctx.keyspace.now + 999) // 1000)


_W, _FAST = Flag.WRITE, Flag.FAST

ROWS = (
    CommandSpec(b"lease.grant", 2, _W | Flag.DENYOOM | _FAST, handler=grant),
    CommandSpec(b"lease.keepalive", 2, _W | _FAST, handler=keepalive),
    CommandSpec(b"lease.revoke", 2, _W, handler=revoke),
    CommandSpec(b"lease.ttl", 2, Flag.READONLY | _FAST, handler=ttl),
)
"""The lease commands' rows of the command table (no key arguments: a lease owns the
keys attached to it)."""
