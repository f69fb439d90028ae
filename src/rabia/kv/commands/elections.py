"""Election commands (ADR 0008): ELECT.CAMPAIGN, ELECT.RESIGN, ELECT.LEADER.

Election ``name`` is held iff the key ``__election__:<name>`` exists, attached to the
holder's lease; its value is the holder's candidate value. These commands take election
names, not keys, so no row declares key positions: the dispatch's election-key guard
(for ``WRITE`` commands with keys) lets them through, and refuses every other write.
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.context import ELECTION_PREFIX
from rabia.kv.commands.leases import drop_keys, live_lease
from rabia.kv.commands.spec import CommandSpec, Context, Flag
from rabia.kv.resp import ERR_NOT_INT, ERR_VALUE_SIZE, ONE, ZERO, bulk_or_nil, integer, parse_int


def _holder(ctx: Context, key: bytes) -> tuple[int, int] | None:
    """The (lease id, term) holding election key ``key``, if any."""
    leases = ctx.leases
    lease_id = leases.owner.get(key)
    if lease_id is None:
        return None
    return lease_id, leases.table[lease_id].keys[key]


def campaign(ctx: Context, args: list[bytes]) -> bytes:
    key, candidate = ELECTION_PREFIX + args[1], args[2]
    found = live_lease(ctx, args[3])
    if isinstance(found, bytes):
        return found
    lease_id = found[0]
    ks = ctx.keyspace
    holder = _holder(ctx, key)
    if holder is not None:
        if holder[0] == lease_id:
            return resp.array((ONE, integer(holder[1])))
        return resp.array((ZERO, bulk_or_nil(ks.get(key)), integer(holder[1])))
    if len(candidate) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    if ks.get(key) is None and (error := ctx.check_new_key(key)) is not None:
        return error
    term = ctx.leases.token(ctx.revision)
    ks.put(key, candidate)
    ctx.leases.attach(key, lease_id, term)
    ks.events.append((b"set", key))
    return resp.array((ONE, integer(term)))


def resign(ctx: Context, args: list[bytes]) -> bytes:
    lease_id = parse_int(args[2])
    if lease_id is None:
        return ERR_NOT_INT
    key = ELECTION_PREFIX + args[1]
    holder = _holder(ctx, key)
    if holder is None or holder[0] != lease_id:
        return ZERO
    ctx.leases.detach(key)
    drop_keys(ctx, [key], b"del")
    return ONE


def leader(ctx: Context, args: list[bytes]) -> bytes:
    key = ELECTION_PREFIX + args[1]
    holder = _holder(ctx, key)
    if holder is None:
        return resp.NULL_ARRAY
    return resp.array((bulk_or_nil(ctx.keyspace.get(key)), integer(holder[0]), integer(holder[1])))


ROWS = (
    CommandSpec(b"elect.campaign", 4, Flag.WRITE | Flag.DENYOOM, handler=campaign),
    CommandSpec(b"elect.resign", 3, Flag.WRITE, handler=resign),
    CommandSpec(b"elect.leader", 2, Flag.READONLY | Flag.FAST, handler=leader),
)
"""The election commands' rows of the command table."""
