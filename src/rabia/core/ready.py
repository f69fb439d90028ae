"""What the replica hands back through ``ready()``: records, messages, committed entries.

The driver's loop, as in etcd's RawNode: persist ``records`` (and sync them when
``sync`` is set) -> install ``install`` (restore the applier and state machine from its
``app_state``) -> send ``messages`` -> apply ``committed`` -> answer the reads below
``reads_below`` -> ``advance()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from rabia.core.messages import Batch, BatchId, Message, Proposal, State, Vote


class SentRecord(msgspec.Struct, frozen=True, array_like=True, tag=1):
    """A message this replica spoke in a slot (``replay`` recovery)."""

    message: Proposal | State | Vote


class DecidedRecord(msgspec.Struct, frozen=True, array_like=True, tag=2):
    """The decided value of a slot (``batch`` None is NULL)."""

    slot: int
    batch: Batch | None


class ReservedRecord(msgspec.Struct, frozen=True, array_like=True, tag=3):
    """High-water mark: this replica may have spoken in every slot below ``slot``."""

    slot: int


class IncarnationRecord(msgspec.Struct, frozen=True, array_like=True, tag=4):
    """The replica's restart count (part of every batch id it originates), and the slot
    below which that incarnation abstains (``abstain`` recovery after a restart whose
    store may have lost records; 0: none)."""

    incarnation: int
    abstain_below: int = 0


class SnapshotRecord(msgspec.Struct, frozen=True, array_like=True, tag=5):
    """A snapshot of the state after applying every slot below ``slot``.

    It supersedes every ``DecidedRecord`` and ``SentRecord`` below ``slot`` and every older
    ``SnapshotRecord``: storage may drop them once this record is durable.
    """

    slot: int
    core_state: bytes
    app_state: bytes


Record = SentRecord | DecidedRecord | ReservedRecord | IncarnationRecord | SnapshotRecord
"""Everything the replica asks its storage to keep."""


class Committed(msgspec.Struct, frozen=True, array_like=True):
    """A decided slot, handed out in slot order for the state machine to apply."""

    slot: int
    batch: Batch | None


class Decided(msgspec.Struct, frozen=True):
    """Event: this replica decided ``slot`` (``batch_id`` None is NULL).

    ``phase`` is the binary-stage phase that decided it when ``via`` is ``"votes"``.
    """

    slot: int
    batch_id: BatchId | None
    phase: int
    via: str


class CoinFlipped(msgspec.Struct, frozen=True):
    """Event: the coin this replica used in (slot, phase)."""

    slot: int
    phase: int
    bit: int


class SnapshotWanted(msgspec.Struct, frozen=True):
    """Event: ``peer`` needs slots this replica has compacted away, or (``slot`` >= 0)
    pulls the chunk at ``offset`` of the snapshot of ``slot`` it is receiving.

    The driver answers with ``Replica.send_snapshot(peer, ...)``: the chunk at ``offset``
    of the snapshot of ``slot`` when it still has it, else an offer of its latest (offset
    -1; ``transfer.snapshot_to_send``, ADR 0011). Offers are rate-limited by the core like
    every catch-up reply.
    """

    peer: int
    slot: int = -1
    offset: int = -1
    """-1: offer the latest snapshot."""


class InstalledSnapshot(msgspec.Struct, frozen=True):
    """A snapshot the replica installed: the driver restores its state from ``app_state``
    before applying any ``committed`` entry of the same Ready."""

    slot: int
    core_state: bytes
    app_state: bytes


class ConfigChanged(msgspec.Struct, frozen=True):
    """Event: the change decided in ``slot`` took effect; ``members`` govern every slot from
    ``slot + 1`` on under ``epoch``. ``addresses`` maps the members whose address is known
    (opaque to the core): the driver connects to new peers and drops removed ones. Also
    emitted on restart or snapshot install when the known configuration is not the
    initial one (``slot`` is then that configuration's start - 1)."""

    slot: int
    epoch: int
    members: tuple[int, ...]
    addresses: tuple[tuple[int, str], ...]


Event = Decided | CoinFlipped | SnapshotWanted | ConfigChanged
"""Observations for metrics and checks; they drive nothing."""


@dataclass(slots=True)
class Ready:
    """One unit of work for the driver."""

    records: list[Record] = field(default_factory=list)
    sync: bool = False
    """The records must be durable before any of ``messages`` is sent."""
    messages: list[tuple[int, Message]] = field(default_factory=list)
    """(destination, message); destination BROADCAST means every one of ``peers``."""
    committed: list[Committed] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    install: InstalledSnapshot | None = None
    """A snapshot to restore before applying ``committed`` (whose slots follow it)."""
    peers: tuple[int, ...] = ()
    """The destinations BROADCAST stands for in this Ready: every other member of a
    configuration covering a slot its messages may belong to (set by ``ready()``)."""
    reads_below: int = 0
    """Every read ticket (``Replica.read``) below this may be answered from the state
    once ``committed`` is applied; 0: no read released in this Ready (ADR 0017)."""

    def __bool__(self) -> bool:
        return bool(
            self.records
            or self.messages
            or self.committed
            or self.events
            or self.install
            or self.reads_below
        )


class Outbox:
    """The Ready a replica is filling: each part of the replica appends its output here."""

    __slots__ = ("ready",)

    def __init__(self) -> None:
        self.ready = Ready()

    def take(self) -> Ready:
        """Hand out the Ready filled so far and start an empty one."""
        ready = self.ready
        self.ready = Ready()
        return ready
