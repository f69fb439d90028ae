"""Counters of one replica."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ReplicaStats:
    """Counters of one replica since it started."""

    slots_decided: int = 0
    """Slots committed to the log (NULL ones too; not those an installed snapshot covers)."""
    decided_by_votes: int = 0
    """Of those, slots this replica's own binary stage decided (the rest: a peer's DECISION)."""
    fast_path: int = 0
    """Slots this replica decided by the binary stage in phase 1."""
    null_slots: int = 0
    """Slots committed with the NULL value."""
    phases_total: int = 0
    """Sum of the deciding phase over slots decided by votes."""
    max_phase: int = 0
    """Highest phase that decided a slot by votes."""
    resends: int = 0
    """Times the re-send timer fired in an undecided slot."""
    dropped: int = 0
    """Messages ignored as malformed, from non-members, or too far ahead."""
    snapshots_installed: int = 0
    """Snapshots received from peers and installed (not the one loaded on restart)."""
    barriers: int = 0
    """Read barriers sent (restarts included)."""
    barrier_restarts: int = 0
    """Read barriers restarted because the configuration changed."""
    reads_released: int = 0
    """Reads released by a barrier: the driver may answer them from its state."""
