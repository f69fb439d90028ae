"""The apply stage: committed entries, in slot order, through the exactly-once applier
into the user's state machine; and the application half of a snapshot.

A snapshot's application state is ``(applier snapshot, state machine snapshot)``: the
session table travels with the state it protects.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from rabia.api import StateMachine
from rabia.core.apply import Applier, Reply, SessionTable
from rabia.core.messages import BatchId, Command
from rabia.core.ready import Committed

_encode_app = msgspec.msgpack.Encoder().encode
_decode_app = msgspec.msgpack.Decoder(tuple[bytes, bytes]).decode


class ApplyStage:
    """Owns the state machine and the applier in front of it."""

    __slots__ = ("_applier", "_exactly_once", "machine")

    def __init__(self, machine: StateMachine, *, exactly_once: bool = True) -> None:
        self.machine = machine
        self._exactly_once = exactly_once
        """False only in a deliberately broken test build (``no-dedup``)."""
        self._applier = self._new_applier()

    def _new_applier(self) -> Applier:
        """An applier that hands the log's clock to machines that override ``apply_at``."""
        machine = self.machine
        if type(machine).apply_at is StateMachine.apply_at:
            return Applier(machine.apply, exactly_once=self._exactly_once)
        return Applier(machine.apply, timed=machine.apply_at, exactly_once=self._exactly_once)

    def originated(self, batch_id: BatchId, commands: Sequence[Command]) -> None:
        """The commands of a batch this node proposed (``Applier.originated``)."""
        self._applier.originated(batch_id, commands)

    def apply(self, entry: Committed, replies_wanted: bool = True) -> list[Reply]:
        """Apply one committed slot; one reply per command of its batch (none without
        ``replies_wanted``)."""
        return self._applier.apply(entry, replies_wanted)

    @property
    def applied_slot(self) -> int:
        """The last slot applied (-1 before any)."""
        return self._applier.applied_slot

    @property
    def chain(self) -> bytes:
        """Hash chain of the applied log: equal on replicas that applied the same prefix."""
        return self._applier.chain

    @property
    def sessions(self) -> SessionTable:
        """The exactly-once session table."""
        return self._applier.sessions

    def snapshot_state(self) -> bytes:
        """The application state of a snapshot taken now."""
        return _encode_app((self._applier.snapshot(), self.machine.snapshot()))

    def restore(self, app_state: bytes) -> None:
        """Replace the machine's and the applier's state by a snapshot's."""
        applier_state, machine_state = _decode_app(app_state)
        self.machine.restore(machine_state)
        applier = self._new_applier()
        applier.restore(applier_state)
        self._applier = applier
