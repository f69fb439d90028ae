"""The applier's value types: the outcome of one applied command, and the wire form of
the applier's snapshot (``rabia.core.apply``).

They live apart from the applier so that its module holds plain classes only (msgspec
Structs are defined by class keywords, which a module compiled by mypyc loses: ADR 0018).
"""

from __future__ import annotations

import msgspec

from rabia.core.messages import BatchId


class Reply(msgspec.Struct, frozen=True):
    """The outcome of one command of a decided batch."""

    slot: int
    batch_id: BatchId
    client_id: int
    seq: int
    result: bytes
    duplicate: bool
    """True when (client_id, seq) was applied earlier: ``result`` is the cached reply."""
    expired: bool = False
    """True when the client had already acknowledged this seq; no reply is kept for it."""


class SessionState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of one client's session in ``Applier.snapshot()``."""

    client_id: int
    acked_below: int
    last_active: int
    replies: list[tuple[int, bytes]]
    """(seq, reply), sorted by seq."""


class ApplierState(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of ``Applier.snapshot()``."""

    applied_slot: int
    chain: bytes
    log_time: int
    last_sweep: int
    sessions: list[SessionState]
    """Sorted by client id."""
