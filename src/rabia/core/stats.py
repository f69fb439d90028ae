"""Counters of one replica."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ReplicaStats:
    """Counters of one replica since it started."""

    slots_decided: int = 0
    decided_by_votes: int = 0
    fast_path: int = 0
    """Slots this replica decided by the binary stage in phase 1."""
    null_slots: int = 0
    phases_total: int = 0
    """Sum of the deciding phase over slots decided by votes."""
    max_phase: int = 0
    resends: int = 0
    dropped: int = 0
    """Messages ignored as malformed, from non-members, or too far ahead."""
    snapshots_installed: int = 0
