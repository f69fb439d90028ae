"""The Rabia replica: a deterministic, sans-IO state machine in the shape of etcd's RawNode.

Inputs: ``step(message)`` for a peer's message, ``tick()`` for the passage of time,
``submit(commands, key)`` for new client commands. Outputs: ``ready()`` hands back one
``Ready`` (records to persist, messages to send, committed slots to apply, events), and
``advance()`` acknowledges it. Nothing here reads a clock, touches a socket or draws a
random number: the same inputs give the same outputs, byte for byte.

The replica routes each input to the part that owns the state it concerns: the
``Agreement`` runs the slots, the ``DecidedLog`` holds their decisions, ``CatchUp``
tracks the peers' progress and closes gaps, the ``SnapshotReceiver`` assembles a
snapshot sent by a peer, the ``ReadBarrier`` serves linearizable reads without the log
(ADR 0017). Each appends its output to the replica's ``Outbox``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rabia.core.agreement import Agreement
from rabia.core.barrier import ReadBarrier, Standing
from rabia.core.catchup import CatchUp
from rabia.core.config import ReplicaConfig
from rabia.core.log import DecidedLog
from rabia.core.membership import ConfigHistory, Configuration, config_changed, encode_change
from rabia.core.messages import (
    BROADCAST,
    KIND_RECONFIGURE,
    VOTE_QUESTION,
    Barrier,
    BarrierAck,
    Batch,
    BatchId,
    Command,
    Decision,
    Fetch,
    FetchReply,
    Message,
    Proposal,
    Request,
    SlotMessage,
    Snapshot,
    SnapshotPull,
    State,
    Status,
    Vote,
)
from rabia.core.queue import PendingQueue
from rabia.core.ready import (
    Committed,
    IncarnationRecord,
    InstalledSnapshot,
    Outbox,
    Ready,
    Record,
    SnapshotRecord,
)
from rabia.core.recovery import Recovered
from rabia.core.snapshot import decode_core_state, encode_core_state
from rabia.core.stats import ReplicaStats
from rabia.core.transfer import ReceivedSnapshot, SnapshotReceiver


class Replica:
    """One member of a Rabia cluster. See the module docstring for the driving contract."""

    def __init__(
        self,
        config: ReplicaConfig,
        recovered: Iterable[Record] = (),
        *,
        intact: bool | None = None,
    ) -> None:
        """``recovered``: the records a previous run of this replica stored. ``intact``:
        they hold everything that run appended (it synced every step, or it stopped by a
        process crash or cleanly, not by a power loss); the replica then resumes the slot
        in progress instead of abstaining up to its reservation mark (ADR 0010). None:
        what the recovery mode implies (``replay``: intact, ``abstain``: not)."""
        self.config = config
        self._me = config.node_id
        self._replay = config.recovery == "replay"
        self._history = ConfigHistory(
            [Configuration(0, config.epoch, tuple(sorted(config.members)), config.addresses)]
        )
        self._contacts = frozenset(c for c in config.contacts if c != self._me)
        stored = Recovered.read(recovered)
        forget = config.unsafe.forget_sent
        complete = self._replay if intact is None else intact
        self._abstain_below = 0 if forget else stored.abstain_below(complete)
        self.incarnation = stored.incarnation + 1
        """The restart count of this replica: part of every batch id it originates."""
        self.stats = ReplicaStats()
        self._outbox = Outbox()
        self._log = DecidedLog()
        self._queue = PendingQueue(self._log.ids)
        self._catchup = CatchUp(config, self._log, self._outbox, self._abstain_below)
        self._receiver = SnapshotReceiver(config, self._outbox, self.stats)
        self._agreement = Agreement(
            config,
            self._log,
            self._queue,
            self._history,
            self._catchup,
            self._outbox,
            self.stats,
            speaks_from=self._abstain_below,
            reserved=0 if forget else stored.reserved,
        )
        self._barrier = ReadBarrier(config, self.incarnation, self._outbox, self.stats)
        self._tick = 0
        self._ready_floor = 0
        """Lowest slot a message of the pending Ready may belong to."""
        self._max_key = 0
        """Largest batch key seen: the key of no-op batches, so they queue behind others."""
        self._origin_seq = 0
        self._outstanding = False
        self._restore(stored, resume=not forget)

    def _restore(self, stored: Recovered, *, resume: bool) -> None:
        """Install the stored snapshot, replay the decided slots above it, and resume
        the slot in progress unless this incarnation abstains in it."""
        ready = self._outbox.ready
        ready.sync = True
        log = self._log
        if stored.snapshot is not None:
            snapshot = stored.snapshot
            slot, ids, configs = decode_core_state(snapshot.core_state)
            log.restart_at(slot, ids)
            self._history.replace(configs)
            ready.install = InstalledSnapshot(slot, snapshot.core_state, snapshot.app_state)
        while log.next_slot in stored.decided:
            slot = log.next_slot
            batch = stored.decided[slot]
            log.append(batch)
            if batch is not None:
                self._history.decided(slot, batch)
            ready.committed.append(Committed(slot, batch))
        self._ready_floor = log.next_slot
        latest = self._history.latest
        if latest.epoch != self.config.epoch:
            ready.events.append(config_changed(latest))
        own = stored.sent.get(log.next_slot) if resume else None
        if own and log.next_slot >= self._abstain_below:
            self._agreement.resume(own)
        ready.records.insert(0, IncarnationRecord(self.incarnation, self._abstain_below))
        if stored.incarnation >= 0:
            ready.messages.append((BROADCAST, self._catchup.status()))

    # --------------------------------------------------------------- driver API
    @property
    def node_id(self) -> int:
        """This replica's id."""
        return self._me

    @property
    def next_slot(self) -> int:
        """The lowest slot this replica has not decided."""
        return self._log.next_slot

    @property
    def log_start(self) -> int:
        """The lowest slot still in the log; slots below it live only in a snapshot."""
        return self._log.start

    @property
    def in_slot(self) -> bool:
        """True while ``next_slot`` is under way here (this replica spoke in it, or learned
        its decision and awaits the payload) and not decided."""
        return self._agreement.in_slot

    @property
    def abstaining(self) -> bool:
        """True while a restarted replica stays silent in slots it may have spoken in."""
        return self._log.next_slot < self._abstain_below

    @property
    def abstain_below(self) -> int:
        """The slot below which a restarted replica stays silent (0: it never did)."""
        return self._abstain_below

    @property
    def configuration(self) -> Configuration:
        """The configuration of ``next_slot`` and later slots, as far as this replica knows."""
        return self._history.latest

    def configuration_at(self, slot: int) -> Configuration:
        """The configuration covering ``slot`` (known for every slot up to ``next_slot``)."""
        return self._history.at(slot)

    @property
    def configurations(self) -> tuple[Configuration, ...]:
        """Every configuration this replica knows, oldest first."""
        return self._history.configs

    @property
    def is_member(self) -> bool:
        """True when this replica is a member of ``next_slot``'s configuration."""
        return self._me in self._history.latest.members

    @property
    def peers(self) -> tuple[int, ...]:
        """The targets of BROADCAST for ``next_slot`` on: every other member, and the
        contacts (``Ready.peers`` also covers the earlier slots of its messages)."""
        return self._targets(self._log.next_slot)

    @property
    def pending(self) -> int:
        """Batches waiting in the queue (not counting one in flight)."""
        return len(self._queue)

    def is_decided(self, batch_id: BatchId) -> bool:
        """True when some slot decided this batch (an installed snapshot's slots too)."""
        return batch_id in self._log.ids

    def decided(self, slot: int) -> Batch | None:
        """The decided value of a slot in ``log_start`` .. ``next_slot - 1`` (None is NULL).

        Raises ``SlotCompacted`` below ``log_start`` and ``IndexError`` from ``next_slot`` on.
        """
        return self._log.decided(slot)

    def submit(self, commands: Sequence[Command], key: int) -> BatchId:
        """Originate a batch of commands with priority ``key`` (a timestamp at this origin)."""
        return self._originate(Batch.of(self._next_batch_id(), key, commands))

    def submit_reconfigure(
        self, add: Sequence[tuple[int, str]], remove: Sequence[int], key: int
    ) -> BatchId:
        """Originate a membership change: (member id, address) pairs to add, ids to remove.

        Once the slot deciding it is applied, the new member set governs every later slot
        and a ``ConfigChanged`` event reports it; an invalid change (adds a member, removes
        a non-member, empties the set, changes other than exactly one member) is a no-op.
        """
        batch = Batch(self._next_batch_id(), key, encode_change(add, remove), KIND_RECONFIGURE)
        return self._originate(batch)

    def read(self) -> int:
        """Ask for a linearizable read at this replica; returns its ticket (from 0 in each
        life). Answer it from the state once a Ready's ``reads_below`` passes the ticket,
        after applying that Ready's ``committed`` entries (ADR 0017)."""
        barrier = self._barrier
        if barrier.collecting:
            return barrier.ticket()  # it waits for the next barrier: nothing to poll now
        return barrier.read(self._standing(), self._tick)

    @property
    def reads_waiting(self) -> int:
        """Reads handed a ticket and not released yet."""
        return self._barrier.waiting

    @property
    def mark(self) -> int:
        """The highest slot this replica has spoken in or learnt the decision of (-1:
        none): ``next_slot`` while under way in it, else ``next_slot - 1`` (ADR 0017)."""
        next_slot = self._log.next_slot
        return next_slot if self._agreement.in_slot else next_slot - 1

    def step(self, message: Message) -> None:
        """Handle one message from a peer."""
        sender = message.sender
        if sender == self._me or sender < 0:
            self.stats.dropped += 1
            return
        # ``type(message) is C`` narrows like a ``match`` on class patterns, which costs
        # far more here: each class pattern is an isinstance() call and a matched one
        # builds a tuple of attributes, on every message. Most frequent kinds first.
        if type(message) is Proposal or type(message) is State or type(message) is Vote:
            self._on_slot_message(message)
        elif type(message) is Decision:
            self._on_decision(message)
        elif type(message) is Request:
            self._on_request(message)
        elif type(message) is Fetch:
            self._agreement.on_fetch(message)
        elif type(message) is FetchReply:
            self._agreement.on_fetch_reply(message, self._tick)
        elif type(message) is Status:
            self._catchup.on_status(message, self._tick)
        elif type(message) is Snapshot:
            self._on_snapshot(message)
        elif type(message) is SnapshotPull:
            self._catchup.on_snapshot_pull(message, self._tick)
        elif type(message) is Barrier:
            self._barrier.answer(message, self._standing())
        elif type(message) is BarrierAck:
            # The sender decided every slot below its mark: a lagging reader asks it.
            self._catchup.heard(message.sender, message.mark + 1)
            self._barrier.on_ack(message, self._standing(), self._tick)
        else:
            self.stats.dropped += 1
        if self._barrier.active:
            self._barrier.poll(self._standing(), self._tick)

    def tick(self) -> None:
        """Advance logical time by one tick: re-sends, anti-entropy, catch-up."""
        self._tick += 1
        tick = self._tick
        self._agreement.tick(tick)
        self._catchup.tick(tick)
        self._receiver.tick(self._log.next_slot, tick)
        self._fill_for_abstainers()
        if self._barrier.active:
            self._barrier.tick(self._standing(), tick)

    def has_ready(self) -> bool:
        """True when ``ready()`` has work to hand out."""
        return not self._outstanding and bool(self._outbox.ready)

    def ready(self) -> Ready:
        """Hand out the accumulated work; call ``advance()`` once it is done."""
        if self._outstanding:
            raise RuntimeError("ready() called again before advance()")
        ready = self._outbox.take()
        if self._replay and ready.records:
            ready.sync = True
        next_slot = self._log.next_slot
        ready.peers = self._targets(min(self._ready_floor, next_slot))
        self._ready_floor = next_slot
        self._outstanding = True
        return ready

    def advance(self) -> None:
        """Acknowledge that the last Ready was persisted, sent and applied."""
        if not self._outstanding:
            raise RuntimeError("advance() without an outstanding ready()")
        self._outstanding = False

    # -------------------------------------------------------------- snapshots
    def core_snapshot(self) -> bytes:
        """The core's snapshot state at ``next_slot``: the decided ids of every slot below.

        Take it together with the driver's snapshot of the state after applying every
        slot below ``next_slot``, then call ``compact(next_slot)`` once both are durable.
        """
        next_slot = self._log.next_slot
        return encode_core_state(next_slot, self._log.ids, self._history.since(next_slot))

    def compact(self, below: int) -> None:
        """Forget the decided values of slots below ``below`` (at most ``next_slot``).

        The driver calls it once a snapshot of the state at ``below`` is durable; peers
        that need those slots are then answered with ``SnapshotWanted`` events.
        """
        self._log.compact(below)

    def send_snapshot(
        self, peer: int, slot: int, core_state: bytes, app_state: bytes, offset: int = -1
    ) -> None:
        """Queue a ``Snapshot`` for ``peer`` in the next Ready (answer to ``SnapshotWanted``).

        A state of at most ``snapshot_chunk`` bytes goes whole. A larger one goes as an
        offer (``offset`` -1) or, answering a pull, as the chunk at ``offset`` (ADR 0011).
        """
        self._catchup.send_snapshot(peer, slot, core_state, app_state, offset)

    # ------------------------------------------------------------------ inputs
    def _next_batch_id(self) -> BatchId:
        batch_id = (self._me, self.incarnation, self._origin_seq)
        self._origin_seq += 1
        return batch_id

    def _originate(self, batch: Batch) -> BatchId:
        """Queue a batch this replica originates and broadcast its REQ."""
        if batch.key > self._max_key:
            self._max_key = batch.key
        self._queue.push(batch)
        self._outbox.ready.messages.append((BROADCAST, Request(self._me, batch)))
        self._agreement.progress(self._tick)
        if self._barrier.active:
            self._barrier.poll(self._standing(), self._tick)
        return batch.id

    def _on_request(self, message: Request) -> None:
        batch = message.batch
        if batch.id[0] != message.sender:
            self.stats.dropped += 1
            return
        if batch.key > self._max_key:
            self._max_key = batch.key
        if self._queue.push(batch):
            self._agreement.progress(self._tick)

    def _on_slot_message(self, message: SlotMessage) -> None:
        if not _well_formed(message):
            self.stats.dropped += 1
            return
        slot = message.slot
        sender = message.sender
        self._catchup.heard(sender, slot)
        next_slot = self._log.next_slot
        if slot < next_slot:
            self._catchup.reply_decision(sender, slot, self._tick)
            return
        if slot - next_slot >= self.config.future_window:
            self.stats.dropped += 1
            return
        if sender not in self._history.latest.members:
            self.stats.dropped += 1  # not (yet, as far as we know) a member of that slot
            return
        self._agreement.add(message, self._tick)

    def _on_decision(self, message: Decision) -> None:
        slot = message.slot
        batch = message.batch
        if batch is not None and batch.id != message.value:
            self.stats.dropped += 1
            return
        self._catchup.heard(message.sender, slot + 1)
        next_slot = self._log.next_slot
        if slot < next_slot or slot - next_slot >= self.config.future_window:
            return
        self._agreement.learn(message, self._tick)

    def _on_snapshot(self, message: Snapshot) -> None:
        self._catchup.heard(message.sender, message.slot)
        if message.slot <= self._log.next_slot:
            return
        snapshot = self._receiver.receive(message, self._tick)
        if snapshot is not None:
            self._install(snapshot)

    def _install(self, snapshot: ReceivedSnapshot) -> None:
        """Jump to the snapshot's slot: every slot below it is described by the snapshot."""
        slot = snapshot.slot
        mines = self._agreement.forfeit_below(slot)
        self._log.restart_at(slot, snapshot.ids)
        self._queue.drop_decided()
        for mine in mines:
            self._queue.push(mine)  # forfeited: retry later unless the snapshot decided it
        before = self._history.latest
        self._history.replace(snapshot.configs)
        latest = self._history.latest
        self._agreement.rebind(latest)
        ready = self._outbox.ready
        if latest != before:
            ready.events.append(config_changed(latest))
        ready.committed.clear()  # all below ``slot``: the snapshot replaces them
        ready.install = InstalledSnapshot(slot, snapshot.core_state, snapshot.app_state)
        ready.records.append(SnapshotRecord(slot, snapshot.core_state, snapshot.app_state))
        ready.sync = True
        self.stats.snapshots_installed += 1
        self._agreement.restart_timer(self._tick)
        self._agreement.progress(self._tick)

    def _fill_for_abstainers(self) -> None:
        """Originate a no-op batch while a restarted peer abstains in slots ahead of us.

        An abstaining peer cannot speak below its mark; on an idle cluster those slots
        would never be decided and the peer would stay impaired, so that the next
        restart of another replica could leave fewer than n-f speakers. Idle replicas
        therefore decide no-ops until the mark is passed.
        """
        next_slot = self._log.next_slot
        if (
            next_slot < self._abstain_below
            or self._catchup.abstain_mark <= next_slot
            or self._queue.has_pending()
            or self._agreement.in_slot
            or self._me not in self._history.latest.members
        ):
            return
        self.submit((), self._max_key)

    def _standing(self) -> Standing:
        """What the read barrier needs to know of this replica."""
        next_slot = self._log.next_slot
        return Standing(
            next_slot, self.mark, self._history.latest, next_slot >= self._abstain_below
        )

    def _targets(self, slot: int) -> tuple[int, ...]:
        """Every other member of a configuration covering ``slot`` or later, and the contacts."""
        return tuple(sorted((self._history.members_since(slot) | self._contacts) - {self._me}))


def _well_formed(message: SlotMessage) -> bool:
    if message.slot < 0:
        return False
    if type(message) is State:
        return message.phase >= 1 and message.bit in (0, 1)
    if type(message) is Vote:
        return message.phase >= 1 and message.vote in (0, 1, VOTE_QUESTION)
    return True
