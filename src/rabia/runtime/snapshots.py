"""Every piece of a node's snapshot state and policy: when to take one, which to keep,
what to offer a lagging peer, and what to drop.

A node keeps its latest snapshot (saved or installed) to offer to peers, and the one
before it only while a peer is still pulling chunks from it (ADR 0011). Members take
snapshots on grids shifted by their rank, so one member pauses at a time.
"""

from __future__ import annotations

import logging

from rabia.core.ready import SnapshotRecord, SnapshotWanted
from rabia.core.replica import Replica
from rabia.core.transfer import snapshot_to_send
from rabia.runtime.applying import ApplyStage
from rabia.storage.base import Storage

log = logging.getLogger("rabia.node")

PULL_IDLE_SECONDS = 5.0
"""A snapshot no peer pulled from for this long is not kept once a newer one exists."""

NEVER = 1 << 62
"""The due slot when snapshots are off."""


class SnapshotKeeper:
    """Owns the latest and previous snapshots, pull times and the snapshot schedule."""

    __slots__ = (
        *("_every", "_node_id", "_previous", "_pulled_at", "_rank", "_size"),
        *("due", "latest", "taken"),
    )

    def __init__(self, every: int, member_ids: tuple[int, ...], node_id: int) -> None:
        self._every = every
        self._node_id = node_id
        self._size = len(member_ids)
        self._rank = member_ids.index(node_id) if node_id in member_ids else node_id
        self.latest: SnapshotRecord | None = None
        """The latest snapshot saved or installed: what a lagging peer is offered."""
        self._previous: SnapshotRecord | None = None
        """The one before it, kept only while a peer pulls it."""
        self._pulled_at: dict[int, float] = {}
        """Snapshot slot -> time of the latest chunk a peer pulled from it."""
        self.taken = 0
        """Snapshots this node saved itself."""
        self.due = self.next_due(0)
        """The node takes its next snapshot once its next slot reaches this one."""

    def next_due(self, last: int) -> int:
        """The slot of the next snapshot after one at ``last``: every ``every`` slots on
        a grid shifted by this node's rank, at least half an interval after ``last``."""
        every = self._every
        if not every:
            return NEVER
        phase = self._rank % self._size * every // self._size
        return phase + ((last + every // 2 - phase) // every + 1) * every

    def saved(self, record: SnapshotRecord, now: float) -> int:
        """This node saved ``record``; returns the slot the log must be kept from (the
        previous snapshot's, so that a transfer that started from it can finish)."""
        previous = self.latest
        keep_from = record.slot if previous is None else previous.slot
        pulled = -1e18 if previous is None else self._pulled_at.get(previous.slot, -1e18)
        self._previous = previous if now - pulled < PULL_IDLE_SECONDS else None
        self._pulled_at = {s: t for s, t in self._pulled_at.items() if now - t < PULL_IDLE_SECONDS}
        self.latest = record
        self.due = self.next_due(record.slot)
        self.taken += 1
        return keep_from

    def installed(self, record: SnapshotRecord) -> None:
        """The node installed ``record`` (from a peer, or its own at restart)."""
        self.latest = record
        self._previous = None
        self.due = self.next_due(record.slot)

    def to_send(self, event: SnapshotWanted, now: float) -> tuple[SnapshotRecord | None, int]:
        """What answers ``event``: (snapshot, chunk offset), or an offer (offset -1) of
        the latest; (None, -1) when there is nothing to send."""
        snap, offset = snapshot_to_send(event, self.latest, self._previous)
        if snap is not None and offset >= 0:
            self._pulled_at[snap.slot] = now
        return snap, offset

    def take(self, replica: Replica, applying: ApplyStage, storage: Storage, now: float) -> bool:
        """Save the state after every decided slot, make it durable, then compact the
        store and the replica's log; False when the applier lags (try again later).

        Runs inline: ``machine.snapshot()`` blocks the loop for as long as it takes, so a
        state machine with a large state should make it cheap (e.g. copy-on-write).
        """
        slot = replica.next_slot
        if applying.applied_slot != slot - 1:
            return False
        record = SnapshotRecord(slot, replica.core_snapshot(), applying.snapshot_state())
        storage.append([record], True)
        keep_from = self.saved(record, now)
        storage.compact(keep_from)
        replica.compact(keep_from)
        log.info(
            "node %d: snapshot at slot %d (%d bytes)", self._node_id, slot, len(record.app_state)
        )
        return True

    def answer(self, event: SnapshotWanted, replica: Replica, now: float) -> None:
        """Offer the latest snapshot to a lagging peer, or send the chunk it pulls."""
        snap, offset = self.to_send(event, now)
        if snap is None:
            return
        if offset < 0:
            log.info(
                "node %d: sending peer %d the snapshot of slot %d (%d bytes)",
                self._node_id,
                event.peer,
                snap.slot,
                len(snap.app_state),
            )
        replica.send_snapshot(event.peer, snap.slot, snap.core_state, snap.app_state, offset)

    @property
    def kept(self) -> tuple[SnapshotRecord, ...]:
        """The snapshots held in memory (the latest, and the previous while pulled)."""
        return tuple(s for s in (self.latest, self._previous) if s is not None)
