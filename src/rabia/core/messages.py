"""Immutable protocol messages exchanged between replicas.

Every message names its ``sender`` and the ``slot`` it belongs to. Messages are
frozen msgspec Structs encoded as tagged arrays, so the wire codec needs no
per-message dictionaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

BatchId = tuple[int, int, int]
"""A batch's identity: (origin replica, origin incarnation, origin sequence)."""

BROADCAST: Final = -1
"""Destination meaning "every other member of the configuration"."""

VOTE_QUESTION: Final = 2
"""The '?' vote of the binary stage (0 and 1 are the binary values)."""

KIND_COMMANDS: Final = 0
"""``Batch.kind`` of an ordinary batch: the payload encodes client commands."""

KIND_RECONFIGURE: Final = 1
"""``Batch.kind`` of a membership change: the payload encodes a ``Reconfigure``."""


class Command(msgspec.Struct, frozen=True, array_like=True):
    """One client request: applied at most once per (client_id, seq)."""

    client_id: int
    seq: int
    op: bytes
    acked_below: int = 0
    """The client holds replies for all of its seqs below this; older replies may be dropped."""


class Batch(msgspec.Struct, frozen=True, array_like=True):
    """Commands gathered by one proxy replica and ordered by a key stamped at the origin.

    The commands travel as one opaque, already-encoded ``payload``: a replica receives a
    batch several times (REQ, then every replica's PROPOSAL) but decodes its commands
    only once, when it applies the batch.
    """

    id: BatchId
    key: int
    """Priority stamped once at the origin (a timestamp); ties are broken by ``id``."""
    payload: bytes
    """The msgpack encoding of the batch's commands (see ``Batch.of``)."""
    kind: int = KIND_COMMANDS
    """``KIND_COMMANDS`` or ``KIND_RECONFIGURE`` (then ``payload`` is a ``Reconfigure``)."""

    @classmethod
    def of(cls, batch_id: BatchId, key: int, commands: Sequence[Command]) -> Batch:
        """A batch holding ``commands``."""
        return cls(batch_id, key, _encode_commands(tuple(commands)))

    @property
    def commands(self) -> tuple[Command, ...]:
        """Decode the commands (each call decodes again: call it once per apply).

        A reconfiguration batch holds no client command: empty."""
        if self.kind != KIND_COMMANDS:
            return ()
        return _decode_commands(self.payload)

    @property
    def priority(self) -> tuple[int, BatchId]:
        """Total order used by every replica's pending queue."""
        return (self.key, self.id)


_encode_commands = msgspec.msgpack.Encoder().encode
_decode_commands = msgspec.msgpack.Decoder(tuple[Command, ...]).decode


class Request(msgspec.Struct, frozen=True, array_like=True, tag=1):
    """REQ: a proxy forwards a new batch to every replica."""

    sender: int
    batch: Batch


class Proposal(msgspec.Struct, frozen=True, array_like=True, tag=2):
    """Exchange stage: the batch this replica proposes for ``slot``."""

    slot: int
    sender: int
    batch: Batch


class State(msgspec.Struct, frozen=True, array_like=True, tag=3):
    """Binary stage, round 1: the sender's state bit for ``phase`` (cand set when bit is 1)."""

    slot: int
    sender: int
    phase: int
    bit: int
    cand: BatchId | None = None


class Vote(msgspec.Struct, frozen=True, array_like=True, tag=4):
    """Binary stage, round 2: 0, 1 or '?' (``VOTE_QUESTION``), with cand when known."""

    slot: int
    sender: int
    phase: int
    vote: int
    cand: BatchId | None = None


class Decision(msgspec.Struct, frozen=True, array_like=True, tag=5):
    """The decided value of ``slot``: a batch id, or NULL when ``value`` is None.

    ``batch`` carries the payload when the receiver may lack it (catch-up, stragglers).
    """

    slot: int
    sender: int
    value: BatchId | None
    batch: Batch | None = None


class Fetch(msgspec.Struct, frozen=True, array_like=True, tag=6):
    """Ask peers for the payload of a decided candidate."""

    slot: int
    sender: int
    batch_id: BatchId


class FetchReply(msgspec.Struct, frozen=True, array_like=True, tag=7):
    """The payload asked for by a FETCH."""

    slot: int
    sender: int
    batch: Batch


class Status(msgspec.Struct, frozen=True, array_like=True, tag=8):
    """Anti-entropy: the sender has decided every slot below ``slot``.

    ``abstain_below`` > ``slot`` says the sender restarted and stays silent in every slot
    below it (``abstain`` recovery); idle peers then fill those slots with no-op batches.
    """

    slot: int
    sender: int
    abstain_below: int = 0


class Snapshot(msgspec.Struct, frozen=True, array_like=True, tag=9):
    """State transfer: the sender's state after applying every slot below ``slot``.

    ``core_state`` is ``Replica.core_snapshot()`` (the decided batch ids); the application
    state (the driver's applier and state machine) is opaque to the core. ``app_state``
    holds its bytes from ``offset`` on, ``total`` is its whole length (-1: ``app_state``
    is all of it). A state larger than one chunk starts with an offer (``offset`` 0, the
    core state, no application bytes); the receiver pulls the rest (ADR 0011), and the
    chunks after the offer leave ``core_state`` empty.
    """

    slot: int
    sender: int
    core_state: bytes
    app_state: bytes
    offset: int = 0
    total: int = -1


class SnapshotPull(msgspec.Struct, frozen=True, array_like=True, tag=10):
    """Ask for the chunk starting at ``offset`` of the snapshot of ``slot`` (ADR 0011)."""

    slot: int
    sender: int
    offset: int


class Barrier(msgspec.Struct, frozen=True, array_like=True, tag=11):
    """BARRIER: the sender asks for the receiver's mark, to serve reads without the log.

    ``(incarnation, number)`` names the barrier: the sender's incarnation and a counter of
    that life, so that an answer to an earlier barrier (of this life or of one before a
    crash) is never taken for an answer to a newer one (ADR 0017).
    """

    sender: int
    incarnation: int
    number: int


class BarrierAck(msgspec.Struct, frozen=True, array_like=True, tag=12):
    """BARRIER_ACK: the answer to the barrier ``(incarnation, number)`` of the receiver.

    ``mark`` is the highest slot in which the sender has spoken or learnt a decision (-1:
    none); ``epoch`` is the epoch of the sender's latest configuration.
    """

    sender: int
    incarnation: int
    number: int
    mark: int
    epoch: int


Message = (
    Request
    | Proposal
    | State
    | Vote
    | Decision
    | Fetch
    | FetchReply
    | Status
    | Snapshot
    | SnapshotPull
    | Barrier
    | BarrierAck
)
"""Every message a replica sends or receives."""

SlotMessage = Proposal | State | Vote
"""Messages a replica speaks in a slot; never two different ones per (slot, kind, phase)."""


def message_phase(message: SlotMessage) -> int:
    """Phase of a slot message; proposals belong to phase 0."""
    return 0 if isinstance(message, Proposal) else message.phase
