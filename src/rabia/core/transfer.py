"""The receiving end of a snapshot transfer, whole or in pulled chunks (ADR 0011).

A replica assembles one ``IncomingSnapshot`` at a time: its ``SnapshotReceiver`` feeds
it the ``Snapshot`` messages of one (sender, slot) in order of their offsets, pulls the
next chunk, re-pulls a stalled one, and hands the replica the whole snapshot to install.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rabia.core.config import ReplicaConfig
from rabia.core.membership import Configuration
from rabia.core.messages import Snapshot, SnapshotPull
from rabia.core.queue import DecidedIds
from rabia.core.ready import Outbox, SnapshotRecord, SnapshotWanted
from rabia.core.snapshot import decode_core_state
from rabia.core.stats import ReplicaStats


@dataclass(slots=True)
class IncomingSnapshot:
    """A snapshot being assembled from ``sender``'s chunks."""

    slot: int
    sender: int
    core_state: bytes
    ids: DecidedIds
    configs: tuple[Configuration, ...]
    total: int
    progress_tick: int
    """Tick of the last chunk taken (or of the offer)."""
    pulled_tick: int = -1
    """Tick of the last pull sent."""
    parts: list[bytes] = field(default_factory=list)
    received: int = 0

    def take(self, offset: int, data: bytes, tick: int) -> bool:
        """Add the chunk at ``offset`` if it is the next one; True when it was."""
        if offset != self.received or not data or self.received + len(data) > self.total:
            return False
        self.parts.append(data)
        self.received += len(data)
        self.progress_tick = tick
        return True

    @property
    def complete(self) -> bool:
        """Every byte of the application state arrived."""
        return self.received == self.total

    def assemble(self) -> bytes:
        """The whole application state (call once ``complete``)."""
        data = b"".join(self.parts)
        self.parts = [data]
        return data


@dataclass(frozen=True, slots=True)
class ReceivedSnapshot:
    """A whole snapshot from a peer, for the replica to install."""

    slot: int
    ids: DecidedIds
    configs: tuple[Configuration, ...]
    core_state: bytes
    app_state: bytes


class SnapshotReceiver:
    """Takes the ``Snapshot`` messages of peers ahead and assembles one at a time.

    It appends its pulls to the replica's ``Outbox`` and counts malformed snapshots in
    the replica's ``ReplicaStats.dropped``.
    """

    __slots__ = ("_config", "_incoming", "_me", "_outbox", "_stats")

    def __init__(self, config: ReplicaConfig, outbox: Outbox, stats: ReplicaStats) -> None:
        self._config = config
        self._me = config.node_id
        self._outbox = outbox
        self._stats = stats
        self._incoming: IncomingSnapshot | None = None

    def receive(self, message: Snapshot, tick: int) -> ReceivedSnapshot | None:
        """Take a snapshot (or a chunk of one) of a slot ahead of this replica's
        ``next_slot``; the whole snapshot once it is complete."""
        slot = message.slot
        sender = message.sender
        incoming = self._incoming
        if incoming is not None and incoming.sender == sender and incoming.slot == slot:
            if not incoming.take(message.offset, message.app_state, tick):
                return None  # a duplicate, a stale chunk or a repeated offer
        elif message.offset != 0:
            return None  # a chunk of a transfer we are not (or no longer) assembling
        else:
            try:
                state_slot, ids, configs = decode_core_state(message.core_state)
            except ValueError:
                self._stats.dropped += 1
                return None
            total = len(message.app_state) if message.total < 0 else message.total
            if state_slot != slot or len(message.app_state) > total:
                self._stats.dropped += 1
                return None
            if len(message.app_state) == total:
                return ReceivedSnapshot(slot, ids, configs, message.core_state, message.app_state)
            if (
                incoming is not None
                and incoming.sender != sender
                and tick - incoming.progress_tick < self._config.snapshot_abandon_ticks // 4
            ):
                return None  # finish the transfer that is moving; its log suffix will follow
            incoming = IncomingSnapshot(slot, sender, message.core_state, ids, configs, total, tick)
            incoming.take(0, message.app_state, tick)
            self._incoming = incoming
        if incoming.complete:
            self._incoming = None
            state = incoming.assemble()
            return ReceivedSnapshot(
                slot, incoming.ids, incoming.configs, incoming.core_state, state
            )
        self._pull(incoming, tick)
        return None

    def tick(self, next_slot: int, tick: int) -> None:
        """Re-pull a stalled chunk; drop a transfer that stopped moving or is obsolete."""
        incoming = self._incoming
        if incoming is None:
            return
        if (
            incoming.slot <= next_slot
            or tick - incoming.progress_tick >= self._config.snapshot_abandon_ticks
        ):
            self._incoming = None
        elif tick - incoming.pulled_tick >= self._config.resend_ticks:
            self._pull(incoming, tick)

    def _pull(self, incoming: IncomingSnapshot, tick: int) -> None:
        incoming.pulled_tick = tick
        pull = SnapshotPull(incoming.slot, self._me, incoming.received)
        self._outbox.ready.messages.append((incoming.sender, pull))


def snapshot_to_send(
    event: SnapshotWanted, latest: SnapshotRecord | None, previous: SnapshotRecord | None
) -> tuple[SnapshotRecord | None, int]:
    """What a driver answers ``event`` with: (snapshot, offset) for ``send_snapshot``.

    A pull gets the chunk it asks for from the snapshot it names, if the driver still
    keeps that one (its latest or the one before); anything else gets an offer (-1) of
    the latest.
    """
    if event.slot >= 0:
        for kept in (latest, previous):
            if kept is not None and kept.slot == event.slot:
                return kept, event.offset
    return latest, -1
