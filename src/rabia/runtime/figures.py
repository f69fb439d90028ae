"""The protocol core's figures, as a node reports them in ``Node.stats()``."""

from __future__ import annotations

from typing import Any

from rabia.core.replica import Replica


def replica_figures(replica: Replica) -> dict[str, Any]:
    """Slots, paths, phases, re-sends and membership of one replica."""
    s = replica.stats
    return {
        "next_slot": replica.next_slot,
        "log_start": replica.log_start,
        "slots_decided": s.slots_decided,
        "decided_by_votes": s.decided_by_votes,
        "fast_path": s.fast_path,
        "null_slots": s.null_slots,
        "phases_total": s.phases_total,
        "max_phase": s.max_phase,
        "resends": s.resends,
        "dropped": s.dropped,
        "snapshots_installed": s.snapshots_installed,
        "member_count": len(replica.configuration.members),
        "epoch": replica.configuration.epoch,
    }
