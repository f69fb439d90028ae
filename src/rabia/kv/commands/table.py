"""The command table: every command the KV store knows, by lower-case name.

Shared by the client's connection (what to refuse before consensus, what to queue in
MULTI, what is allowed before AUTH and in subscribe mode, what it answers itself) and by
the machine (dispatch, and the election-key guard from the write flag and key
positions). Each module of ``rabia.kv.commands`` contributes its ``ROWS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rabia.kv.commands import (
    acl,
    bitfield,
    bitmaps,
    blocking,
    connection,
    database,
    elections,
    generic,
    hashes,
    keys,
    leases,
    list_moves,
    lists,
    pubsub,
    scripting,
    server,
    setops,
    sets,
    sort,
    stream_claims,
    stream_groups,
    stream_info,
    stream_read,
    streams,
    strings,
    substrings,
    transactions,
    zsets,
)
from rabia.kv.commands.spec import CommandSpec


def build(*groups: Iterable[CommandSpec]) -> dict[bytes, CommandSpec]:
    """The table of the given rows; ``ValueError`` on a name given twice or not in
    lower case."""
    table: dict[bytes, CommandSpec] = {}
    for spec in (spec for group in groups for spec in group):
        if spec.name in table or spec.name != spec.name.lower():
            raise ValueError(f"command {spec.name!r} repeated or not in lower case")
        table[spec.name] = spec
    return table


COMMANDS: Mapping[bytes, CommandSpec] = build(
    strings.ROWS,
    substrings.ROWS,
    bitmaps.ROWS,
    bitfield.ROWS,
    keys.ROWS,
    generic.ROWS,
    sort.ROWS,
    server.ROWS,
    database.ROWS,
    transactions.ROWS,
    leases.ROWS,
    elections.ROWS,
    connection.ROWS,
    pubsub.ROWS,
    hashes.ROWS,
    sets.ROWS,
    setops.ROWS,
    streams.ROWS,
    stream_read.ROWS,
    stream_groups.ROWS,
    stream_claims.ROWS,
    stream_info.ROWS,
    lists.ROWS,
    list_moves.ROWS,
    zsets.ROWS,
    scripting.ROWS,
    acl.ROWS,
)

MACHINE_COMMANDS: Mapping[bytes, CommandSpec] = {**COMMANDS, **build(blocking.INTERNAL_ROWS)}
"""What the machine dispatches: every command, and the node's internal entries (never
accepted from a client: the connection looks names up in ``COMMANDS`` only)."""
