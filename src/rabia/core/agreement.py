"""The replica main loop (protocol §3): one Weak-MVC slot at a time, no pipelining.

``Agreement`` keeps a ``SlotInstance`` for ``next_slot`` and for each later slot whose
messages arrived early. It starts ``next_slot`` with the head of the pending queue (an
idle replica joins with a proposal someone else made), carries the instance's messages
and coin flips to the Ready, commits the decided value to the log and moves on. While
the slot is undecided, a back-off timer re-sends this replica's messages in it.
"""

from __future__ import annotations

from rabia.core.catchup import CatchUp
from rabia.core.coin import common_coin
from rabia.core.config import ReplicaConfig
from rabia.core.log import DecidedLog
from rabia.core.membership import ConfigHistory, Configuration, config_changed
from rabia.core.messages import (
    BROADCAST,
    KIND_RECONFIGURE,
    Batch,
    BatchId,
    Decision,
    Fetch,
    FetchReply,
    Proposal,
    SlotMessage,
)
from rabia.core.queue import PendingQueue
from rabia.core.ready import (
    CoinFlipped,
    Committed,
    Decided,
    DecidedRecord,
    Outbox,
    ReservedRecord,
    SentRecord,
)
from rabia.core.slot import SlotInstance, Stage
from rabia.core.stats import ReplicaStats

_LOCAL_COIN_SALT = 0x9E3779B97F4A7C15


class ResendTimer:
    """When to re-send the messages of an undecided slot: ``base`` ticks after the last
    progress, then after twice as long each time, up to ``cap``."""

    __slots__ = ("_base", "_cap", "_due", "_interval")

    def __init__(self, base: int, cap: int) -> None:
        self._base = base
        self._cap = cap
        self._interval = base
        self._due = base

    def is_due(self, tick: int) -> bool:
        """True when a re-send is due at ``tick``."""
        return tick >= self._due

    def restart(self, tick: int) -> None:
        """Progress at ``tick``: the next re-send is ``base`` ticks away."""
        self._interval = self._base
        self._due = tick + self._base

    def back_off(self, tick: int) -> None:
        """A re-send went out at ``tick``: wait twice as long (at most ``cap``) for the next."""
        self._interval = min(self._interval * 2, self._cap)
        self._due = tick + self._interval


class Agreement:
    """Runs the slots of one replica in order (see the module docstring).

    It commits to the replica's ``DecidedLog``, takes batches from its ``PendingQueue``,
    learns configurations into its ``ConfigHistory``, tells its ``CatchUp`` which
    DECISIONs went out, and appends its output to its ``Outbox``. The replica never
    speaks in a slot below ``speaks_from`` (its abstain mark); ``reserved`` is the
    reservation mark of a previous run (``abstain`` recovery).
    """

    __slots__ = (
        "_catchup",
        "_config",
        "_history",
        "_log",
        "_me",
        "_outbox",
        "_queue",
        "_replay",
        "_reserved",
        "_slots",
        "_speaks_from",
        "_stats",
        "_timer",
    )

    def __init__(
        self,
        config: ReplicaConfig,
        log: DecidedLog,
        queue: PendingQueue,
        history: ConfigHistory,
        catchup: CatchUp,
        outbox: Outbox,
        stats: ReplicaStats,
        *,
        speaks_from: int = 0,
        reserved: int = 0,
    ) -> None:
        self._config = config
        self._me = config.node_id
        self._replay = config.recovery == "replay"
        self._log = log
        self._queue = queue
        self._history = history
        self._catchup = catchup
        self._outbox = outbox
        self._stats = stats
        self._speaks_from = speaks_from
        self._reserved = reserved
        self._slots: dict[int, SlotInstance] = {}
        self._timer = ResendTimer(config.resend_ticks, config.max_resend_ticks)

    @property
    def in_slot(self) -> bool:
        """True while ``next_slot`` is under way here and not decided."""
        instance = self._slots.get(self._log.next_slot)
        return instance is not None and instance.started and instance.stage != Stage.DONE

    # ------------------------------------------------------------------ inputs
    def add(self, message: SlotMessage, tick: int) -> None:
        """Store a member's message of a slot from ``next_slot`` on; advance if it counts."""
        slot = message.slot
        instance = self._instance(slot)
        if not instance.add(message):
            return
        if type(message) is Proposal and not self._config.unsafe.idle_never_joins:
            # A proposal carries its batch: queue it, so a batch whose REQ was lost
            # still reaches every queue and cannot starve behind busier proxies.
            self._queue.push(message.batch)
        if slot == self._log.next_slot:
            self.progress(tick)

    def learn(self, message: Decision, tick: int) -> None:
        """Take a peer's decision of a slot from ``next_slot`` on."""
        slot = message.slot
        self._instance(slot).learn_decision(message.value, message.batch)
        if slot == self._log.next_slot:
            self.progress(tick)

    def on_fetch(self, message: Fetch) -> None:
        """Answer a FETCH with the payload it names, when this replica holds it."""
        slot = message.slot
        wanted = message.batch_id
        drop_late = self._config.unsafe.drop_late_proposals
        batch: Batch | None = None
        if slot < self._log.next_slot:
            if slot >= self._log.start:
                value = self._log.decided(slot)
                if value is not None and value.id == wanted:
                    batch = value
        else:
            instance = self._slots.get(slot)
            if instance is not None:
                if drop_late:
                    if instance.majority_proposal() == wanted:
                        batch = instance.payloads.get(wanted)
                else:
                    batch = instance.payloads.get(wanted)
        if batch is None and not drop_late:
            batch = self._queue.get(wanted)
        if batch is not None:
            reply = FetchReply(slot, self._me, batch)
            self._outbox.ready.messages.append((message.sender, reply))

    def on_fetch_reply(self, message: FetchReply, tick: int) -> None:
        """Take a payload asked for by a FETCH."""
        instance = self._slots.get(message.slot)
        if instance is None:
            return
        instance.add_payload(message.batch)
        if message.slot == self._log.next_slot:
            self.progress(tick)

    def tick(self, tick: int) -> None:
        """Re-send this replica's messages of an undecided ``next_slot`` when due."""
        instance = self._slots.get(self._log.next_slot)
        if (
            instance is not None
            and instance.started
            and instance.stage != Stage.DONE
            and self._timer.is_due(tick)
        ):
            self._resend(instance, tick)

    # ---------------------------------------------------------------- progress
    def progress(self, tick: int) -> None:
        """Start, advance and commit ``next_slot`` for as long as it moves."""
        while True:
            instance = self._instance(self._log.next_slot)
            if instance.stage == Stage.IDLE and not self._start(instance, tick):
                return
            instance.advance(self._speak, self._flip)
            if instance.stage != Stage.DONE:
                if (
                    instance.awaiting_payload
                    and instance.cand is not None
                    and not instance.fetch_sent
                ):
                    self._fetch(instance, instance.cand)
                return
            self._commit(instance, tick)

    def resume(self, sent: list[SlotMessage]) -> None:
        """Resume ``next_slot`` from this replica's messages in it, stored by a previous
        run, and send them again."""
        self._instance(self._log.next_slot).resume(sent)
        out = self._outbox.ready.messages
        for message in sent:
            out.append((BROADCAST, message))

    def forfeit_below(self, slot: int) -> list[Batch]:
        """Drop the slots below ``slot`` (a snapshot decided them); the batches this
        replica proposed in them, to queue again."""
        mines = []
        for s in sorted(self._slots):
            if s >= slot:
                break
            mine = self._slots.pop(s).mine
            if mine is not None:
                mines.append(mine)
        return mines

    def rebind(self, configuration: Configuration) -> None:
        """``configuration`` governs the future slots: re-bind the messages buffered for
        the slots this replica has not started."""
        for instance in self._slots.values():
            if not instance.started:
                instance.rebind(configuration)

    def restart_timer(self, tick: int) -> None:
        """The replica made progress at ``tick`` outside a slot (installed a snapshot)."""
        self._timer.restart(tick)

    def coin(self, slot: int, phase: int) -> int:
        """The coin bit of (slot, phase): the common coin under the slot's epoch."""
        config = self._config
        seed = config.seed
        if config.unsafe.local_coin:
            seed ^= (self._me + 1) * _LOCAL_COIN_SALT
        return common_coin(seed, self._history.at(slot).epoch, slot, phase)

    def _instance(self, slot: int) -> SlotInstance:
        instance = self._slots.get(slot)
        if instance is None:
            instance = self._slots[slot] = SlotInstance(self._config, slot, self._history.latest)
        return instance

    def _start(self, instance: SlotInstance, tick: int) -> bool:
        if self._log.next_slot < self._speaks_from or self._me not in self._history.latest.members:
            return False
        batch = self._queue.pop()
        if batch is None:
            if self._config.unsafe.idle_never_joins or not instance.proposals:
                return False
            # Idle replica joins a slot someone else started.
            batch = min(instance.proposals.values(), key=_priority)
        self._timer.restart(tick)
        instance.start(batch, self._speak, self._flip)
        return True

    def _commit(self, instance: SlotInstance, tick: int) -> None:
        slot = instance.slot
        value = instance.decision
        self._log.append(value)
        del self._slots[slot]
        value_id = None if value is None else value.id
        if value is not None:
            self._queue.discard(value.id)
            if value.kind == KIND_RECONFIGURE:
                self._reconfigured(slot, value)
        mine = instance.mine
        if mine is not None and (value is None or value.id != mine.id):
            self._queue.push(mine)
        ready = self._outbox.ready
        ready.records.append(DecidedRecord(slot, value))
        ready.committed.append(Committed(slot, value))
        stats = self._stats
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
            self._catchup.decision_broadcast(self._history.at(slot).members, slot, tick)
        else:
            ready.events.append(Decided(slot, value_id, 0, "decision"))
        self._timer.restart(tick)

    def _reconfigured(self, slot: int, batch: Batch) -> None:
        """Slot ``slot`` decided a reconfiguration batch: adopt it from ``slot + 1`` if valid."""
        new = self._history.decided(slot, batch)
        if new is None:
            return
        self.rebind(self._history.latest)
        self._outbox.ready.events.append(config_changed(new))

    def _speak(self, message: SlotMessage) -> None:
        ready = self._outbox.ready
        ready.records.append(SentRecord(message))  # synced in replay; abstain: ADR 0010
        if not self._replay and message.slot >= self._reserved:
            self._reserved = message.slot + self._config.reserve_chunk
            ready.records.append(ReservedRecord(self._reserved))
            ready.sync = True
        ready.messages.append((BROADCAST, message))

    def _flip(self, slot: int, phase: int) -> int:
        bit = self.coin(slot, phase)
        self._outbox.ready.events.append(CoinFlipped(slot, phase, bit))
        return bit

    def _fetch(self, instance: SlotInstance, cand: BatchId) -> None:
        instance.fetch_sent = True
        self._outbox.ready.messages.append((BROADCAST, Fetch(instance.slot, self._me, cand)))

    def _resend(self, instance: SlotInstance, tick: int) -> None:
        out = self._outbox.ready.messages
        for message in instance.sent:
            out.append((BROADCAST, message))
        if instance.awaiting_payload and instance.cand is not None:
            self._fetch(instance, instance.cand)
        self._stats.resends += 1
        self._timer.back_off(tick)


def _priority(batch: Batch) -> tuple[int, BatchId]:
    return batch.priority
