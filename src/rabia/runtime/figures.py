"""The protocol core's figures and a snapshot's, as a node reports them in
``Node.stats()``."""

from __future__ import annotations

import hashlib
from typing import Any

from rabia.core.membership import Configuration
from rabia.core.ready import SnapshotRecord
from rabia.core.replica import Replica
from rabia.runtime.applying import ApplyStage
from rabia.runtime.batching import Batcher
from rabia.runtime.reads import ReadStage
from rabia.runtime.requests import RequestTracker
from rabia.storage.base import Storage, StorageStats
from rabia.storage.memory import MemoryStorage


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
        "barriers": s.barriers,
        "barrier_restarts": s.barrier_restarts,
        "reads_released": s.reads_released,
        "member_count": len(replica.configuration.members),
        "epoch": replica.configuration.epoch,
    }


def stage_figures(
    applying: ApplyStage, batcher: Batcher, requests: RequestTracker, reads: ReadStage
) -> dict[str, Any]:
    """What the node's stages hold: applied slot, queued and waiting work."""
    return {
        "applied_slot": applying.applied_slot,
        "queued_commands": len(batcher),
        "batches_in_flight": batcher.in_flight,
        "pending_requests": len(requests),
        "pending_reads": len(reads),
    }


def snapshot_figures(taken: int, snapshot: SnapshotRecord | None) -> dict[str, Any]:
    """Snapshots taken, and the slot and size of the latest (None before the first)."""
    if snapshot is None:
        return {"snapshots_taken": taken, "snapshot_slot": None, "snapshot_bytes": None}
    size = len(snapshot.app_state) + len(snapshot.core_state)
    return {"snapshots_taken": taken, "snapshot_slot": snapshot.slot, "snapshot_bytes": size}


def status_figures(
    stats: dict[str, Any], applying: ApplyStage, config: Configuration | None, running: bool
) -> dict[str, int | float | str | None]:
    """``Node.status()``: ``stats`` plus hex hashes of the applied log and of the
    machine's snapshot, whether the node runs, and its members and epoch."""
    out: dict[str, int | float | str | None] = dict(stats)
    out["log_hash"] = applying.chain.hex()
    out["machine_hash"] = hashlib.sha256(applying.machine.snapshot()).hexdigest()
    out["running"] = int(running)
    if config is not None:
        out["members"] = ",".join(map(str, config.members))
        out["epoch"] = config.epoch
    return out


def storage_figures(storage: Storage | None, running: bool) -> StorageStats | None:
    """``Node.storage_stats()``: an on-disk store's figures while the node runs."""
    if not running or storage is None or isinstance(storage, MemoryStorage):
        return None
    return storage.stats()
