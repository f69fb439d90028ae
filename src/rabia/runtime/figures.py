"""The protocol core's figures and a snapshot's, as a node reports them in
``Node.stats()``."""

from __future__ import annotations

from typing import Any

from rabia.core.ready import SnapshotRecord
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


def snapshot_figures(snapshot: SnapshotRecord | None) -> dict[str, Any]:
    """The slot and size of a node's latest snapshot (None before the first)."""
    if snapshot is None:
        return {"snapshot_slot": None, "snapshot_bytes": None}
    size = len(snapshot.app_state) + len(snapshot.core_state)
    return {"snapshot_slot": snapshot.slot, "snapshot_bytes": size}
