"""Catch-up and state transfer: the log window, STATUS replies, snapshots.

A mixin of ``Replica``: the replica keeps the decided values of slots ``log_start`` ..
``next_slot - 1`` only. A peer that asks for a slot still in the window gets DECISIONs;
one that asks for a compacted slot makes the replica emit ``SnapshotWanted``, and the
driver (which owns the application state) answers with ``send_snapshot``. Installing a
snapshot jumps ``next_slot`` forward and hands the driver ``Ready.install``.
"""

from __future__ import annotations

from rabia.core.config import ReplicaConfig
from rabia.core.membership import ConfigHistory, Configuration
from rabia.core.messages import Batch, Decision, Snapshot, SnapshotPull, Status
from rabia.core.queue import DecidedIds, PendingQueue
from rabia.core.ready import (
    ConfigChanged,
    InstalledSnapshot,
    Ready,
    SnapshotRecord,
    SnapshotWanted,
)
from rabia.core.slot import SlotInstance
from rabia.core.snapshot import SlotCompacted, decode_core_state, encode_core_state
from rabia.core.stats import ReplicaStats
from rabia.core.transfer import IncomingSnapshot


class CatchUp:
    """The log window and catch-up half of ``Replica`` (state is set up by ``Replica``)."""

    config: ReplicaConfig
    stats: ReplicaStats
    _me: int
    _peers: tuple[int, ...]
    _history: ConfigHistory
    _tick: int
    _pending: Ready
    _log: list[Batch | None]
    _log_start: int
    _slots: dict[int, SlotInstance]
    _decided_ids: DecidedIds
    _queue: PendingQueue
    _peer_floor: dict[int, int]
    _peer_abstain: dict[int, int]
    _decision_sent: dict[int, tuple[int, int]]
    _snapshot_wanted: dict[int, int]
    _snapshot_pulled: dict[int, int]
    """peer -> tick of its latest pull of one of our snapshots."""
    _incoming: IncomingSnapshot | None
    _status_sent: dict[int, int]
    _catchup_attempts: int
    _abstain_below: int
    _resend_interval: int
    _next_resend: int

    def _progress(self) -> None:
        raise NotImplementedError

    def _membership_changed(self) -> None:
        raise NotImplementedError

    @property
    def next_slot(self) -> int:
        """The lowest slot this replica has not decided."""
        return self._log_start + len(self._log)

    @property
    def log_start(self) -> int:
        """The lowest slot still in the log; slots below it live only in a snapshot."""
        return self._log_start

    def decided(self, slot: int) -> Batch | None:
        """The decided value of a slot in ``log_start`` .. ``next_slot - 1`` (None is NULL).

        Raises ``SlotCompacted`` below ``log_start`` and ``IndexError`` from ``next_slot`` on.
        """
        if slot < self._log_start:
            raise SlotCompacted(f"slot {slot} is compacted (log starts at {self._log_start})")
        if slot >= self.next_slot:
            raise IndexError(f"slot {slot} is not decided (next slot {self.next_slot})")
        return self._log[slot - self._log_start]

    def core_snapshot(self) -> bytes:
        """The core's snapshot state at ``next_slot``: the decided ids of every slot below.

        Take it together with the driver's snapshot of the state after applying every
        slot below ``next_slot``, then call ``compact(next_slot)`` once both are durable.
        """
        return encode_core_state(
            self.next_slot, self._decided_ids, self._history.since(self.next_slot)
        )

    def compact(self, below: int) -> None:
        """Forget the decided values of slots below ``below`` (at most ``next_slot``).

        The driver calls it once a snapshot of the state at ``below`` is durable; peers
        that need those slots are then answered with ``SnapshotWanted`` events.
        """
        if below > self.next_slot:
            raise ValueError(f"cannot compact below {below}: next slot is {self.next_slot}")
        if below > self._log_start:
            del self._log[: below - self._log_start]
            self._log_start = below

    def send_snapshot(
        self, peer: int, slot: int, core_state: bytes, app_state: bytes, offset: int = -1
    ) -> None:
        """Queue a ``Snapshot`` for ``peer`` in the next Ready (answer to ``SnapshotWanted``).

        A state of at most ``snapshot_chunk`` bytes goes whole. A larger one goes as an
        offer (``offset`` -1) or, answering a pull, as the chunk at ``offset`` (ADR 0011).
        """
        total = len(app_state)
        chunk = self.config.snapshot_chunk
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
        self._pending.messages.append((peer, message))

    def _on_snapshot_pull(self, message: SnapshotPull) -> None:
        """A peer receiving our snapshot wants the chunk at ``offset``."""
        self._snapshot_pulled[message.sender] = self._tick
        self._pending.events.append(SnapshotWanted(message.sender, message.slot, message.offset))

    def _on_status(self, message: Status) -> None:
        sender = message.sender
        slot = message.slot
        if message.abstain_below > slot:
            self._peer_abstain[sender] = message.abstain_below
        else:
            self._peer_abstain.pop(sender, None)
        if slot > self._peer_floor.get(sender, 0):
            self._peer_floor[sender] = slot
        next_slot = self.next_slot
        if slot < self._log_start:
            self._want_snapshot(sender)
        elif slot < next_slot:
            end = min(next_slot, slot + self.config.catchup_chunk)
            out = self._pending.messages
            start = self._log_start
            for s in range(slot, end):
                value = self._log[s - start]
                out.append(
                    (sender, Decision(s, self._me, None if value is None else value.id, value))
                )
            self._decision_sent[sender] = (end - 1, self._tick)

    def _want_snapshot(self, peer: int) -> None:
        """Ask the driver to offer ``peer`` a snapshot (at most once per ``resend_ticks``,
        and not while ``peer`` is pulling one from us)."""
        last = self._snapshot_wanted.get(peer)
        if last is not None and self._tick - last < self.config.resend_ticks:
            return
        pulled = self._snapshot_pulled.get(peer)
        if pulled is not None and self._tick - pulled < self.config.snapshot_abandon_ticks:
            return
        self._snapshot_wanted[peer] = self._tick
        self._pending.events.append(SnapshotWanted(peer))

    def _on_snapshot(self, message: Snapshot) -> None:
        slot = message.slot
        sender = message.sender
        if slot > self._peer_floor.get(sender, 0):
            self._peer_floor[sender] = slot
        if slot <= self.next_slot:
            return
        incoming = self._incoming
        if incoming is not None and incoming.sender == sender and incoming.slot == slot:
            if not incoming.take(message.offset, message.app_state, self._tick):
                return  # a duplicate, a stale chunk or a repeated offer
        elif message.offset != 0:
            return  # a chunk of a transfer we are not (or no longer) assembling
        else:
            try:
                state_slot, ids, configs = decode_core_state(message.core_state)
            except ValueError:
                self.stats.dropped += 1
                return
            total = len(message.app_state) if message.total < 0 else message.total
            if state_slot != slot or len(message.app_state) > total:
                self.stats.dropped += 1
                return
            if len(message.app_state) == total:
                self._install(slot, ids, configs, message.core_state, message.app_state)
                return
            if (
                incoming is not None
                and incoming.sender != sender
                and self._tick - incoming.progress_tick < self.config.snapshot_abandon_ticks // 4
            ):
                return  # finish the transfer that is moving; its log suffix will follow
            incoming = IncomingSnapshot(
                slot, sender, message.core_state, ids, configs, total, self._tick
            )
            incoming.take(0, message.app_state, self._tick)
            self._incoming = incoming
        if incoming.complete:
            self._incoming = None
            state = incoming.assemble()
            self._install(slot, incoming.ids, incoming.configs, incoming.core_state, state)
        else:
            self._pull(incoming)

    def _pull(self, incoming: IncomingSnapshot) -> None:
        incoming.pulled_tick = self._tick
        pull = SnapshotPull(incoming.slot, self._me, incoming.received)
        self._pending.messages.append((incoming.sender, pull))

    def _tick_transfer(self) -> None:
        """Re-pull a stalled chunk; drop a transfer that stopped moving or is obsolete."""
        incoming = self._incoming
        if incoming is None:
            return
        tick = self._tick
        if (
            incoming.slot <= self.next_slot
            or tick - incoming.progress_tick >= self.config.snapshot_abandon_ticks
        ):
            self._incoming = None
        elif tick - incoming.pulled_tick >= self.config.resend_ticks:
            self._pull(incoming)

    def _install(
        self,
        slot: int,
        ids: DecidedIds,
        configs: tuple[Configuration, ...],
        core_state: bytes,
        app_state: bytes,
    ) -> None:
        """Jump to ``slot``: every slot below it is described by the snapshot."""
        mines = []
        for s in sorted(self._slots):
            if s >= slot:
                break
            mine = self._slots.pop(s).mine
            if mine is not None:
                mines.append(mine)
        self._decided_ids.replace(ids)
        self._queue.drop_decided()
        for mine in mines:
            self._queue.push(mine)  # forfeited: retry later unless the snapshot decided it
        self._log = []
        self._log_start = slot
        ready = self._pending
        before = self._history.latest
        if configs:
            self._history.replace(configs)
        self._membership_changed()
        latest = self._history.latest
        if latest != before:
            ready.events.append(
                ConfigChanged(latest.start - 1, latest.epoch, latest.members, latest.addresses)
            )
        ready.committed.clear()  # all below ``slot``: the snapshot replaces them
        ready.install = InstalledSnapshot(slot, core_state, app_state)
        ready.records.append(SnapshotRecord(slot, core_state, app_state))
        ready.sync = True
        self.stats.snapshots_installed += 1
        self._resend_interval = self.config.resend_ticks
        self._next_resend = self._tick + self._resend_interval
        self._progress()

    def _reply_decision(self, peer: int, slot: int) -> None:
        """Tell a straggler the decision of a slot it is still speaking in."""
        last = self._decision_sent.get(peer)
        if slot < self._log_start:
            self._want_snapshot(peer)
            return
        if last is not None and last[0] >= slot and self._tick - last[1] < self.config.resend_ticks:
            return
        value = self._log[slot - self._log_start]
        self._pending.messages.append(
            (peer, Decision(slot, self._me, None if value is None else value.id, value))
        )
        self._decision_sent[peer] = (slot, self._tick)

    def _catch_up(self) -> None:
        """Ask a peer known to be ahead for decisions; rotate over such peers."""
        next_slot = self.next_slot
        floor = self._peer_floor
        ahead = [p for p in sorted(floor) if p != self._me and floor[p] > next_slot]
        if not ahead:
            return
        last = self._status_sent.get(next_slot)
        if last is not None and self._tick - last < self.config.resend_ticks:
            return
        self._status_sent = {next_slot: self._tick}
        peer = ahead[self._catchup_attempts % len(ahead)]
        self._catchup_attempts += 1
        self._pending.messages.append((peer, self._status()))

    def _status(self) -> Status:
        return Status(self.next_slot, self._me, self._abstain_below)
