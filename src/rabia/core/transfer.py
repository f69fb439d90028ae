"""The receiving end of a chunked snapshot transfer (ADR 0011).

One ``IncomingSnapshot`` per replica at a time: it is fed the ``Snapshot`` messages of
one (sender, slot) in order of their offsets and tells the replica which offset to pull
next and when the state is complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rabia.core.membership import Configuration
from rabia.core.queue import DecidedIds
from rabia.core.ready import SnapshotRecord, SnapshotWanted


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
