"""The Rabia replica: a deterministic, sans-IO state machine in the shape of etcd's RawNode.

Inputs: ``step(message)`` for a peer's message, ``tick()`` for the passage of time,
``submit(commands, key)`` for new client commands. Outputs: ``ready()`` hands back one
``Ready`` (records to persist, messages to send, committed slots to apply, events), and
``advance()`` acknowledges it. Nothing here reads a clock, touches a socket or draws a
random number: the same inputs give the same outputs, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rabia.core.catchup import CatchUp
from rabia.core.coin import common_coin
from rabia.core.config import ReplicaConfig
from rabia.core.membership import ConfigHistory, Configuration, encode_change
from rabia.core.messages import (
    BROADCAST,
    KIND_RECONFIGURE,
    VOTE_QUESTION,
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
from rabia.core.queue import DecidedIds, PendingQueue
from rabia.core.ready import (
    CoinFlipped,
    Committed,
    ConfigChanged,
    Decided,
    DecidedRecord,
    IncarnationRecord,
    InstalledSnapshot,
    Ready,
    Record,
    ReservedRecord,
    SentRecord,
    SnapshotRecord,
)
from rabia.core.slot import SlotInstance, Stage
from rabia.core.snapshot import decode_core_state
from rabia.core.stats import ReplicaStats
from rabia.core.transfer import IncomingSnapshot

_LOCAL_COIN_SALT = 0x9E3779B97F4A7C15


class Replica(CatchUp):
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
        self._history = ConfigHistory(
            [Configuration(0, config.epoch, tuple(sorted(config.members)), config.addresses)]
        )
        self._contacts = tuple(c for c in config.contacts if c != self._me)
        self._peers: tuple[int, ...] = ()
        """Every other member of a configuration covering a slot >= ``next_slot``, and the
        contacts: the targets of BROADCAST and of catch-up."""
        self._ready_floor = 0
        """Lowest slot a message of the pending Ready may belong to."""
        self._decided_ids = DecidedIds()
        self._queue = PendingQueue(self._decided_ids)
        self._log: list[Batch | None] = []
        """Decided values of slots ``log_start`` .. ``next_slot - 1``."""
        self._log_start = 0
        self._snapshot_wanted: dict[int, int] = {}
        """peer -> tick of the last ``SnapshotWanted`` event for it."""
        self._snapshot_pulled: dict[int, int] = {}
        self._incoming: IncomingSnapshot | None = None
        self._slots: dict[int, SlotInstance] = {}
        self._tick = 0
        self._resend_interval = config.resend_ticks
        self._next_resend = config.resend_ticks
        self._next_status = config.status_ticks
        self._peer_floor: dict[int, int] = {}
        self._status_sent: dict[int, int] = {}
        """next_slot -> tick of the last catch-up request sent for it."""
        self._catchup_attempts = 0
        self._peer_abstain: dict[int, int] = {}
        """peer -> the slot below which it said it abstains (only peers that said so)."""
        self._max_key = 0
        """Largest batch key seen: the key of no-op batches, so they queue behind others."""
        self._decision_sent: dict[int, tuple[int, int]] = {}
        self._reserved = 0
        self._abstain_below = 0
        self._origin_seq = 0
        self._pending = Ready()
        self._outstanding = False
        self._replay = config.recovery == "replay"
        self.stats = ReplicaStats()
        self.incarnation = 0
        self._refresh_peers()
        self._recover(recovered, intact)

    # ------------------------------------------------------------------ recovery
    def _recover(self, recovered: Iterable[Record], intact: bool | None) -> None:
        incarnation = -1
        inherited = 0
        """Highest abstain mark an earlier incarnation started with."""
        decided: dict[int, Batch | None] = {}
        sent: dict[int, list[SlotMessage]] = {}
        reserved = 0
        snapshot: SnapshotRecord | None = None
        for record in recovered:
            if isinstance(record, SnapshotRecord):
                if snapshot is None or record.slot > snapshot.slot:
                    snapshot = record
            elif isinstance(record, DecidedRecord):
                decided[record.slot] = record.batch
            elif isinstance(record, SentRecord):
                sent.setdefault(record.message.slot, []).append(record.message)
            elif isinstance(record, ReservedRecord):
                reserved = max(reserved, record.slot)
            else:
                incarnation = max(incarnation, record.incarnation)
                inherited = max(inherited, record.abstain_below)
        self.incarnation = incarnation + 1
        ready = self._pending
        ready.sync = True
        if snapshot is not None:
            slot, ids, configs = decode_core_state(snapshot.core_state)
            self._log_start = slot
            self._decided_ids.replace(ids)
            self._history.replace(configs)
            ready.install = InstalledSnapshot(slot, snapshot.core_state, snapshot.app_state)
        while self.next_slot in decided:
            slot = self.next_slot
            batch = decided[slot]
            self._log.append(batch)
            if batch is not None:
                self._decided_ids.add(batch.id)
                self._history.decided(slot, batch)
            ready.committed.append(Committed(slot, batch))
        self._ready_floor = self.next_slot
        self._refresh_peers()
        latest = self._history.latest
        if latest.epoch != self.config.epoch:
            ready.events.append(_changed(latest))
        forget = self.config.unsafe.forget_sent
        if not forget:
            self._reserved = reserved
            # Intact: every sent message is on record, except those of an earlier life that
            # restarted abstaining, whose window still holds. Else: silent up to the mark.
            complete = self._replay if intact is None else intact
            self._abstain_below = inherited if complete else max(reserved, inherited)
            own = sent.get(self.next_slot)
            if own and self.next_slot >= self._abstain_below:
                instance = self._instance(self.next_slot)
                instance.resume(own)
                for message in own:
                    ready.messages.append((BROADCAST, message))
        ready.records.insert(0, IncarnationRecord(self.incarnation, self._abstain_below))
        if incarnation >= 0:
            ready.messages.append((BROADCAST, self._status()))

    # --------------------------------------------------------------- driver API
    @property
    def node_id(self) -> int:
        """This replica's id."""
        return self._me

    @property
    def in_slot(self) -> bool:
        """True when this replica has spoken in ``next_slot`` and not decided it yet."""
        instance = self._slots.get(self.next_slot)
        return instance is not None and instance.started and instance.stage != Stage.DONE

    @property
    def abstaining(self) -> bool:
        """True while a restarted replica stays silent in slots it may have spoken in."""
        return self.next_slot < self._abstain_below

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
        """The current targets of BROADCAST (also in ``Ready.peers``)."""
        return self._peers

    @property
    def pending(self) -> int:
        """Batches waiting in the queue (not counting one in flight)."""
        return len(self._queue)

    def is_decided(self, batch_id: BatchId) -> bool:
        """True when some slot decided this batch (an installed snapshot's slots too)."""
        return batch_id in self._decided_ids

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

    def _next_batch_id(self) -> BatchId:
        batch_id = (self._me, self.incarnation, self._origin_seq)
        self._origin_seq += 1
        return batch_id

    def _originate(self, batch: Batch) -> BatchId:
        """Queue a batch this replica originates and broadcast its REQ."""
        if batch.key > self._max_key:
            self._max_key = batch.key
        self._queue.push(batch)
        self._pending.messages.append((BROADCAST, Request(self._me, batch)))
        self._progress()
        return batch.id

    def step(self, message: Message) -> None:
        """Handle one message from a peer."""
        sender = message.sender
        if sender == self._me or sender < 0:
            self.stats.dropped += 1
            return
        kind = type(message)
        if kind is Proposal or kind is State or kind is Vote:
            self._on_slot_message(message)  # type: ignore[arg-type]
        elif kind is Request:
            self._on_request(message)  # type: ignore[arg-type]
        elif kind is Decision:
            self._on_decision(message)  # type: ignore[arg-type]
        elif kind is Fetch:
            self._on_fetch(message)  # type: ignore[arg-type]
        elif kind is FetchReply:
            self._on_fetch_reply(message)  # type: ignore[arg-type]
        elif kind is Status:
            self._on_status(message)  # type: ignore[arg-type]
        elif kind is Snapshot:
            self._on_snapshot(message)  # type: ignore[arg-type]
        elif kind is SnapshotPull:
            self._on_snapshot_pull(message)  # type: ignore[arg-type]
        else:
            self.stats.dropped += 1

    def tick(self) -> None:
        """Advance logical time by one tick: re-sends, anti-entropy, catch-up."""
        self._tick += 1
        tick = self._tick
        instance = self._slots.get(self.next_slot)
        if (
            instance is not None
            and instance.started
            and instance.stage != Stage.DONE
            and tick >= self._next_resend
        ):
            self._resend(instance)
        if tick >= self._next_status:
            self._next_status = tick + self.config.status_ticks
            self._pending.messages.append((BROADCAST, self._status()))
        self._catch_up()
        self._tick_transfer()
        self._fill_for_abstainers()

    def has_ready(self) -> bool:
        """True when ``ready()`` has work to hand out."""
        return not self._outstanding and bool(self._pending)

    def ready(self) -> Ready:
        """Hand out the accumulated work; call ``advance()`` once it is done."""
        if self._outstanding:
            raise RuntimeError("ready() called again before advance()")
        ready = self._pending
        if self._replay and ready.records:
            ready.sync = True
        ready.peers = self._broadcast_targets()
        self._ready_floor = self.next_slot
        self._pending = Ready()
        self._outstanding = True
        return ready

    def advance(self) -> None:
        """Acknowledge that the last Ready was persisted, sent and applied."""
        if not self._outstanding:
            raise RuntimeError("advance() without an outstanding ready()")
        self._outstanding = False

    # ------------------------------------------------------------------ inputs
    def _on_request(self, message: Request) -> None:
        batch = message.batch
        if batch.id[0] != message.sender:
            self.stats.dropped += 1
            return
        if batch.key > self._max_key:
            self._max_key = batch.key
        if self._queue.push(batch):
            self._progress()

    def _on_slot_message(self, message: SlotMessage) -> None:
        if not _well_formed(message):
            self.stats.dropped += 1
            return
        slot = message.slot
        sender = message.sender
        if slot > self._peer_floor.get(sender, 0):
            self._peer_floor[sender] = slot
        next_slot = self.next_slot
        if slot < next_slot:
            self._reply_decision(sender, slot)
            return
        if slot - next_slot >= self.config.future_window:
            self.stats.dropped += 1
            return
        if sender not in self._history.latest.members:
            self.stats.dropped += 1  # not (yet, as far as we know) a member of that slot
            return
        instance = self._instance(slot)
        if not instance.add(message):
            return
        if type(message) is Proposal and not self.config.unsafe.idle_never_joins:
            # A proposal carries its batch: queue it, so a batch whose REQ was lost
            # still reaches every queue and cannot starve behind busier proxies.
            self._queue.push(message.batch)
        if slot == next_slot:
            self._progress()

    def _on_decision(self, message: Decision) -> None:
        slot = message.slot
        batch = message.batch
        if batch is not None and batch.id != message.value:
            self.stats.dropped += 1
            return
        sender = message.sender
        if slot + 1 > self._peer_floor.get(sender, 0):
            self._peer_floor[sender] = slot + 1
        next_slot = self.next_slot
        if slot < next_slot or slot - next_slot >= self.config.future_window:
            return
        self._instance(slot).learn_decision(message.value, batch)
        if slot == next_slot:
            self._progress()

    def _on_fetch(self, message: Fetch) -> None:
        slot = message.slot
        wanted = message.batch_id
        batch: Batch | None = None
        if slot < self.next_slot:
            if slot >= self._log_start:
                value = self._log[slot - self._log_start]
                if value is not None and value.id == wanted:
                    batch = value
        else:
            instance = self._slots.get(slot)
            if instance is not None:
                if self.config.unsafe.drop_late_proposals:
                    if instance.majority_proposal() == wanted:
                        batch = instance.payloads.get(wanted)
                else:
                    batch = instance.payloads.get(wanted)
        if batch is None and not self.config.unsafe.drop_late_proposals:
            batch = self._queue.get(wanted)
        if batch is not None:
            self._pending.messages.append((message.sender, FetchReply(slot, self._me, batch)))

    def _on_fetch_reply(self, message: FetchReply) -> None:
        instance = self._slots.get(message.slot)
        if instance is None:
            return
        instance.add_payload(message.batch)
        if message.slot == self.next_slot:
            self._progress()

    # ---------------------------------------------------------------- progress
    def _instance(self, slot: int) -> SlotInstance:
        instance = self._slots.get(slot)
        if instance is None:
            instance = self._slots[slot] = SlotInstance(self.config, slot, self._history.latest)
        return instance

    def _progress(self) -> None:
        """Start, advance and commit the current slot for as long as it moves."""
        while True:
            slot = self.next_slot
            instance = self._instance(slot)
            if instance.stage == Stage.IDLE and not self._start(instance):
                return
            instance.advance(self._speak, self._flip)
            if instance.stage != Stage.DONE:
                if (
                    instance.awaiting_payload
                    and instance.cand is not None
                    and not instance.fetch_sent
                ):
                    self._fetch(instance)
                return
            self._commit(instance)

    def _start(self, instance: SlotInstance) -> bool:
        if self.next_slot < self._abstain_below or self._me not in self._history.latest.members:
            return False
        batch = self._queue.pop()
        if batch is None:
            if self.config.unsafe.idle_never_joins or not instance.proposals:
                return False
            # Idle replica joins a slot someone else started.
            batch = min(instance.proposals.values(), key=_priority)
        self._resend_interval = self.config.resend_ticks
        self._next_resend = self._tick + self._resend_interval
        instance.start(batch, self._speak, self._flip)
        return True

    def _commit(self, instance: SlotInstance) -> None:
        slot = instance.slot
        value = instance.decision
        self._log.append(value)
        del self._slots[slot]
        value_id = None if value is None else value.id
        if value is not None:
            self._decided_ids.add(value.id)
            self._queue.discard(value.id)
            if value.kind == KIND_RECONFIGURE:
                self._reconfigured(slot, value)
        mine = instance.mine
        if mine is not None and (value is None or value.id != mine.id):
            self._queue.push(mine)
        ready = self._pending
        ready.records.append(DecidedRecord(slot, value))
        ready.committed.append(Committed(slot, value))
        stats = self.stats
        stats.slots_decided += 1
        if value is None:
            stats.null_slots += 1
        if instance.decided_via_votes:
            phase = instance.decided_phase
            stats.decided_by_votes += 1
            stats.phases_total += phase
            stats.max_phase = max(stats.max_phase, phase)
            if phase == 1:
                stats.fast_path += 1
            ready.events.append(Decided(slot, value_id, phase, "votes"))
            ready.messages.append((BROADCAST, Decision(slot, self._me, value_id, None)))
            tick = self._tick
            for peer in self._history.at(slot).members:
                self._decision_sent[peer] = (slot, tick)
        else:
            ready.events.append(Decided(slot, value_id, 0, "decision"))
        self._resend_interval = self.config.resend_ticks
        self._next_resend = self._tick + self._resend_interval

    def _speak(self, message: SlotMessage) -> None:
        ready = self._pending
        ready.records.append(SentRecord(message))  # synced in replay; abstain: ADR 0010
        if not self._replay and message.slot >= self._reserved:
            self._reserved = message.slot + self.config.reserve_chunk
            ready.records.append(ReservedRecord(self._reserved))
            ready.sync = True
        ready.messages.append((BROADCAST, message))

    def _flip(self, slot: int, phase: int) -> int:
        config = self.config
        seed = config.seed
        if config.unsafe.local_coin:
            seed ^= (self._me + 1) * _LOCAL_COIN_SALT
        bit = common_coin(seed, self._history.at(slot).epoch, slot, phase)
        self._pending.events.append(CoinFlipped(slot, phase, bit))
        return bit

    def _fetch(self, instance: SlotInstance) -> None:
        assert instance.cand is not None
        instance.fetch_sent = True
        self._pending.messages.append((BROADCAST, Fetch(instance.slot, self._me, instance.cand)))

    def _resend(self, instance: SlotInstance) -> None:
        out = self._pending.messages
        for message in instance.sent:
            out.append((BROADCAST, message))
        if instance.awaiting_payload and instance.cand is not None:
            self._fetch(instance)
        self.stats.resends += 1
        self._resend_interval = min(self._resend_interval * 2, self.config.max_resend_ticks)
        self._next_resend = self._tick + self._resend_interval

    def _fill_for_abstainers(self) -> None:
        """Originate a no-op batch while a restarted peer abstains in slots ahead of us.

        An abstaining peer cannot speak below its mark; on an idle cluster those slots
        would never be decided and the peer would stay impaired, so that the next
        restart of another replica could leave fewer than n-f speakers. Idle replicas
        therefore decide no-ops until the mark is passed.
        """
        next_slot = self.next_slot
        if (
            next_slot < self._abstain_below
            or not self._peer_abstain
            or max(self._peer_abstain.values()) <= next_slot
            or self._queue.has_pending()
            or self.in_slot
            or self._me not in self._history.latest.members
        ):
            return
        self.submit((), self._max_key)

    # ------------------------------------------------------------- membership
    def _reconfigured(self, slot: int, batch: Batch) -> None:
        """Slot ``slot`` decided a reconfiguration batch: adopt it from ``slot + 1`` if valid."""
        new = self._history.decided(slot, batch)
        if new is None:
            return
        self._membership_changed()
        self._pending.events.append(_changed(new))

    def _membership_changed(self) -> None:
        """The configuration of the future slots changed: re-bind their buffered messages."""
        latest = self._history.latest
        for instance in self._slots.values():
            if not instance.started:
                instance.rebind(latest)
        self._refresh_peers()

    def _refresh_peers(self) -> None:
        members = self._history.members_since(self.next_slot)
        self._peers = tuple(sorted((members | set(self._contacts)) - {self._me}))
        for peer in self._peers:
            self._peer_floor.setdefault(peer, 0)

    def _broadcast_targets(self) -> tuple[int, ...]:
        """Every other member of a slot the pending Ready may speak in, and the contacts."""
        members = self._history.members_since(min(self._ready_floor, self.next_slot))
        return tuple(sorted((members | set(self._contacts)) - {self._me}))


def _changed(config: Configuration) -> ConfigChanged:
    return ConfigChanged(config.start - 1, config.epoch, config.members, config.addresses)


def _priority(batch: Batch) -> tuple[int, BatchId]:
    return batch.priority


def _well_formed(message: SlotMessage) -> bool:
    if message.slot < 0:
        return False
    kind = type(message)
    if kind is State:
        return message.phase >= 1 and message.bit in (0, 1)  # type: ignore[union-attr]
    if kind is Vote:
        return message.phase >= 1 and message.vote in (0, 1, VOTE_QUESTION)  # type: ignore[union-attr]
    return True
