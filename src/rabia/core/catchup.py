"""Catch-up: what a replica knows of its peers' progress, and the traffic that closes gaps.

Every replica broadcasts a STATUS (its ``next_slot``) every ``status_ticks``, and a
replica that knows a peer to be ahead asks it, in turn with the other peers ahead, for
decisions. A peer asking for slots still in the log window gets their DECISIONs; one
asking for a compacted slot makes the replica emit ``SnapshotWanted``, and the driver
(which owns the application state) answers with ``send_snapshot``. The receiving end of
a snapshot is ``SnapshotReceiver`` (``transfer.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from rabia.core.config import ReplicaConfig
from rabia.core.log import DecidedLog
from rabia.core.messages import BROADCAST, Batch, Decision, Snapshot, SnapshotPull, Status
from rabia.core.ready import Outbox, SnapshotWanted


class CatchUp:
    """Peers' progress as this replica heard it, and the catch-up it asks for and answers.

    It reads the replica's ``DecidedLog`` and appends its messages and events to the
    replica's ``Outbox``; ``abstain_below`` is the replica's own abstain mark, which its
    STATUS announces.
    """

    __slots__ = (
        "_abstain_below",
        "_abstaining",
        "_asked",
        "_config",
        "_decision_sent",
        "_floor",
        "_highest",
        "_log",
        "_me",
        "_next_status",
        "_offered",
        "_outbox",
        "_pulling",
        "_requests",
    )

    def __init__(
        self, config: ReplicaConfig, log: DecidedLog, outbox: Outbox, abstain_below: int
    ) -> None:
        self._config = config
        self._me = config.node_id
        self._log = log
        self._outbox = outbox
        self._abstain_below = abstain_below
        self._next_status = config.status_ticks
        """Tick of the next anti-entropy STATUS broadcast."""
        self._floor: dict[int, int] = {}
        """peer -> the highest slot it is known to have reached."""
        self._highest = 0
        """The largest floor of a peer other than this replica."""
        self._abstaining: dict[int, int] = {}
        """peer -> the slot below which it said it abstains (only peers that said so)."""
        self._decision_sent: dict[int, tuple[int, int]] = {}
        """peer -> (slot, tick) of the latest DECISION sent to it."""
        self._asked: dict[int, int] = {}
        """next_slot -> tick of the last catch-up request sent for it."""
        self._requests = 0
        """Catch-up requests sent so far: they rotate over the peers ahead."""
        self._offered: dict[int, int] = {}
        """peer -> tick of the last ``SnapshotWanted`` event for it."""
        self._pulling: dict[int, tuple[int, int]] = {}
        """peer -> (slot, tick) of its latest pull of one of our snapshots, until its
        STATUS shows it reached that slot."""

    # ------------------------------------------------------------ what peers say
    def heard(self, peer: int, slot: int) -> None:
        """``peer`` has reached ``slot``: it decided every slot below, or speaks in it."""
        if slot > self._floor.get(peer, 0):
            self._floor[peer] = slot
            if slot > self._highest and peer != self._me:
                self._highest = slot

    @property
    def abstain_mark(self) -> int:
        """The highest slot below which some peer said it abstains (0: none did)."""
        abstaining = self._abstaining
        return max(abstaining.values()) if abstaining else 0

    def status(self) -> Status:
        """This replica's STATUS: where it is, and where it abstains."""
        return Status(self._log.next_slot, self._me, self._abstain_below)

    def on_status(self, message: Status, tick: int) -> None:
        """A peer says where it is: remember it, and send it what it misses."""
        sender = message.sender
        slot = message.slot
        if message.abstain_below > slot:
            self._abstaining[sender] = message.abstain_below
        else:
            self._abstaining.pop(sender, None)
        self.heard(sender, slot)
        pull = self._pulling.get(sender)
        if pull is not None and slot >= pull[0]:
            del self._pulling[sender]  # it installed the snapshot it pulled (or passed it)
        log = self._log
        next_slot = log.next_slot
        if slot < log.start:
            self._offer_snapshot(sender, tick)
        elif slot < next_slot:
            end = min(next_slot, slot + self._config.catchup_chunk)
            out = self._outbox.ready.messages
            for s in range(slot, end):
                out.append((sender, _decision(s, self._me, log.decided(s))))
            self._decision_sent[sender] = (end - 1, tick)

    def on_snapshot_pull(self, message: SnapshotPull, tick: int) -> None:
        """A peer receiving our snapshot wants the chunk at ``offset``: ask the driver."""
        self._pulling[message.sender] = (message.slot, tick)
        self._outbox.ready.events.append(
            SnapshotWanted(message.sender, message.slot, message.offset)
        )

    # ------------------------------------------------------------------ answers
    def reply_decision(self, peer: int, slot: int, tick: int) -> None:
        """Tell a straggler the decision of ``slot`` (below ``next_slot``), in which it
        still speaks: at most once per ``resend_ticks``, or a snapshot once compacted."""
        last = self._decision_sent.get(peer)
        if slot < self._log.start:
            self._offer_snapshot(peer, tick)
            return
        if last is not None and last[0] >= slot and tick - last[1] < self._config.resend_ticks:
            return
        self._outbox.ready.messages.append(
            (peer, _decision(slot, self._me, self._log.decided(slot)))
        )
        self._decision_sent[peer] = (slot, tick)

    def decision_broadcast(self, peers: Iterable[int], slot: int, tick: int) -> None:
        """This replica broadcast the DECISION of ``slot`` to ``peers`` at ``tick``."""
        sent = (slot, tick)
        for peer in peers:
            self._decision_sent[peer] = sent

    def send_snapshot(
        self, peer: int, slot: int, core_state: bytes, app_state: bytes, offset: int = -1
    ) -> None:
        """Queue a ``Snapshot`` for ``peer`` (the driver's answer to ``SnapshotWanted``).

        A state of at most ``snapshot_chunk`` bytes goes whole. A larger one goes as an
        offer (``offset`` -1) or, answering a pull, as the chunk at ``offset`` (ADR 0011).
        """
        total = len(app_state)
        chunk = self._config.snapshot_chunk
        if total <= chunk:
            message = Snapshot(slot, self._me, core_state, app_state, 0, total)
        elif offset < 0:
            message = Snapshot(slot, self._me, core_state, b"", 0, total)
        elif offset < total:
            message = Snapshot(
                slot, self._me, b"", app_state[offset : offset + chunk], offset, total
            )
        else:
            return
        self._outbox.ready.messages.append((peer, message))

    def _offer_snapshot(self, peer: int, tick: int) -> None:
        """Ask the driver to offer ``peer`` a snapshot (at most once per ``resend_ticks``,
        and not while ``peer`` is pulling one from us)."""
        last = self._offered.get(peer)
        if last is not None and tick - last < self._config.resend_ticks:
            return
        pulled = self._pulling.get(peer)
        if pulled is not None and tick - pulled[1] < self._config.snapshot_abandon_ticks:
            return
        self._offered[peer] = tick
        self._outbox.ready.events.append(SnapshotWanted(peer))

    # ------------------------------------------------------------------ asking
    def tick(self, tick: int) -> None:
        """Broadcast STATUS when due; ask a peer known to be ahead for decisions."""
        if tick >= self._next_status:
            self._next_status = tick + self._config.status_ticks
            self._outbox.ready.messages.append((BROADCAST, self.status()))
        peer = self._peer_to_ask(tick)
        if peer is not None:
            self._outbox.ready.messages.append((peer, self.status()))

    def _peer_to_ask(self, tick: int) -> int | None:
        """The next of the peers ahead to ask, at most once per ``resend_ticks`` per slot."""
        next_slot = self._log.next_slot
        if self._highest <= next_slot:
            return None  # no peer ahead (the common case, on every tick)
        floor = self._floor
        ahead = [p for p in sorted(floor) if p != self._me and floor[p] > next_slot]
        last = self._asked.get(next_slot)
        if last is not None and tick - last < self._config.resend_ticks:
            return None
        self._asked = {next_slot: tick}
        peer = ahead[self._requests % len(ahead)]
        self._requests += 1
        return peer


def _decision(slot: int, me: int, value: Batch | None) -> Decision:
    """The DECISION of ``slot``, carrying its payload."""
    return Decision(slot, me, None if value is None else value.id, value)
