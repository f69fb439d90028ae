"""The wire form of the applier's snapshot (``rabia.core.apply``).

These Structs live apart from the applier so that its module holds plain classes only
(msgspec Structs are defined by class keywords, which a module compiled by mypyc loses:
ADR 0018).
"""

from __future__ import annotations

import msgspec


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
