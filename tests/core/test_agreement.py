"""The slot loop (``rabia.core.agreement``): start, speak, commit, re-send."""

from __future__ import annotations

from typing import Any

from rabia.core.agreement import Agreement, ResendTimer
from rabia.core.catchup import CatchUp
from rabia.core.coin import common_coin
from rabia.core.config import ReplicaConfig, UnsafeSwitches
from rabia.core.log import DecidedLog
from rabia.core.membership import ConfigHistory, Configuration, encode_change
from rabia.core.messages import (
    BROADCAST,
    KIND_RECONFIGURE,
    Batch,
    Decision,
    Fetch,
    FetchReply,
    Proposal,
    State,
    Vote,
)
from rabia.core.queue import PendingQueue
from rabia.core.ready import (
    Committed,
    ConfigChanged,
    Decided,
    DecidedRecord,
    Outbox,
    ReservedRecord,
    SentRecord,
)
from rabia.core.stats import ReplicaStats

MINE = Batch.of((0, 0, 0), 1, ())
OTHER = Batch.of((1, 0, 0), 2, ())


class Parts:
    """An ``Agreement`` of replica 0 in {0, 1, 2} with the parts it works with."""

    def __init__(self, history: ConfigHistory | None = None, **config: Any) -> None:
        self.config = ReplicaConfig(0, (0, 1, 2), resend_ticks=10, max_resend_ticks=40, **config)
        self.log = DecidedLog()
        self.queue = PendingQueue(self.log.ids)
        self.history = history or ConfigHistory([Configuration(0, 0, (0, 1, 2))])
        self.outbox = Outbox()
        self.stats = ReplicaStats()
        self.catchup = CatchUp(self.config, self.log, self.outbox, 0)

    def agreement(self, speaks_from: int = 0, reserved: int = 0) -> Agreement:
        return Agreement(
            self.config,
            self.log,
            self.queue,
            self.history,
            self.catchup,
            self.outbox,
            self.stats,
            speaks_from=speaks_from,
            reserved=reserved,
        )


def test_resend_timer_backs_off_to_its_cap_and_restarts() -> None:
    timer = ResendTimer(10, 40)
    assert not timer.is_due(9) and timer.is_due(10)
    due = []
    tick = 10
    for _ in range(4):
        timer.back_off(tick)
        tick += next(d for d in range(1, 100) if timer.is_due(tick + d))
        due.append(tick)
    assert due == [30, 70, 110, 150]  # 20, 40, then capped at 40
    timer.restart(200)
    assert not timer.is_due(209) and timer.is_due(210)


def test_a_slot_runs_from_proposal_to_commit_on_the_fast_path() -> None:
    parts = Parts()
    agreement = parts.agreement()
    parts.queue.push(MINE)
    agreement.progress(tick=0)
    proposal = Proposal(0, 0, MINE)
    ready = parts.outbox.take()
    assert ready.messages == [(BROADCAST, proposal)]
    assert ready.records == [SentRecord(proposal)]
    assert agreement.in_slot
    agreement.add(Proposal(0, 1, MINE), tick=1)
    agreement.add(State(0, 1, 1, 1, MINE.id), tick=1)
    agreement.add(Vote(0, 1, 1, 1, MINE.id), tick=1)
    ready = parts.outbox.take()
    assert ready.messages == [
        (BROADCAST, State(0, 0, 1, 1, MINE.id)),
        (BROADCAST, Vote(0, 0, 1, 1, MINE.id)),
        (BROADCAST, Decision(0, 0, MINE.id, None)),
    ]
    assert ready.committed == [Committed(0, MINE)]
    assert ready.records[-1] == DecidedRecord(0, MINE)
    assert ready.events == [Decided(0, MINE.id, 1, "votes")]
    assert parts.log.next_slot == 1 and MINE.id in parts.log.ids
    assert not agreement.in_slot and len(parts.queue) == 0
    assert (parts.stats.slots_decided, parts.stats.fast_path) == (1, 1)


def test_a_peer_proposal_queues_its_batch_and_a_lost_slot_requeues_mine() -> None:
    parts = Parts()
    agreement = parts.agreement()
    agreement.add(Proposal(0, 1, OTHER), tick=0)  # idle: joins with the proposed batch
    assert parts.outbox.take().messages == [
        (BROADCAST, Proposal(0, 0, OTHER)),
        (BROADCAST, State(0, 0, 1, 1, OTHER.id)),  # two of two proposals agree
    ]
    parts.queue.push(MINE)
    agreement.learn(Decision(0, 2, None), tick=0)  # NULL: OTHER goes back to the queue
    assert parts.log.next_slot == 1 and parts.log.decided(0) is None
    ready = parts.outbox.take()
    assert ready.events == [Decided(0, None, 0, "decision")]
    assert ready.messages == [(BROADCAST, Proposal(1, 0, MINE))]  # the lower key first
    assert agreement.in_slot and parts.queue.pop() == OTHER


def test_a_replica_speaks_from_its_abstain_mark_on() -> None:
    parts = Parts()
    agreement = parts.agreement(speaks_from=1)
    parts.queue.push(MINE)
    agreement.progress(tick=0)
    assert not parts.outbox.ready and not agreement.in_slot
    agreement.learn(Decision(0, 1, OTHER.id, OTHER), tick=0)
    assert parts.outbox.take().messages == [(BROADCAST, Proposal(1, 0, MINE))]


def test_abstain_recovery_reserves_slots_in_chunks_before_speaking() -> None:
    parts = Parts(recovery="abstain", reserve_chunk=2)
    agreement = parts.agreement(reserved=1)
    reserved = []
    for slot in range(4):
        parts.queue.push(Batch.of((0, 0, slot), slot, ()))
        agreement.progress(tick=0)
        ready = parts.outbox.take()
        reserved.append([(r.slot, ready.sync) for r in ready.records if type(r) is ReservedRecord])
        agreement.learn(Decision(slot, 1, None), tick=0)
    assert reserved == [[], [(3, True)], [], [(5, True)]]


def test_an_undecided_slot_is_re_sent_with_back_off() -> None:
    parts = Parts()
    agreement = parts.agreement()
    parts.queue.push(MINE)
    agreement.progress(tick=0)
    parts.outbox.take()
    sent = []
    for tick in range(1, 80):
        agreement.tick(tick)
        if parts.outbox.ready.messages:
            sent.append((tick, parts.outbox.take().messages))
    again = [(BROADCAST, Proposal(0, 0, MINE))]
    assert sent == [(10, again), (30, again), (70, again)]
    assert parts.stats.resends == 3


def test_a_decided_candidate_without_payload_is_fetched() -> None:
    parts = Parts()
    agreement = parts.agreement()
    agreement.learn(Decision(0, 1, OTHER.id), tick=0)
    assert parts.outbox.take().messages == [(BROADCAST, Fetch(0, 0, OTHER.id))]
    agreement.on_fetch_reply(FetchReply(0, 2, OTHER), tick=1)
    assert parts.log.decided(0) == OTHER


def test_fetch_is_answered_from_the_log_a_slot_or_the_queue() -> None:
    parts = Parts()
    agreement = parts.agreement()
    parts.log.append(OTHER)
    agreement.add(Proposal(3, 1, Batch.of((1, 0, 3), 3, ())), tick=0)
    parts.queue.push(MINE)
    for slot, wanted in ((0, OTHER), (3, Batch.of((1, 0, 3), 3, ())), (7, MINE)):
        agreement.on_fetch(Fetch(slot, 2, wanted.id))
        assert parts.outbox.take().messages == [(2, FetchReply(slot, 0, wanted))]
    agreement.on_fetch(Fetch(0, 2, MINE.id))  # slot 0 decided another: MINE is queued
    agreement.on_fetch(Fetch(1, 2, (2, 0, 9)))  # unknown
    assert parts.outbox.take().messages == [(2, FetchReply(0, 0, MINE))]
    parts.log.compact(1)
    agreement.on_fetch(Fetch(0, 2, OTHER.id))  # compacted away
    assert not parts.outbox.take()


def test_forfeit_below_drops_passed_slots_and_returns_my_batches() -> None:
    parts = Parts()
    agreement = parts.agreement()
    parts.queue.push(MINE)
    agreement.progress(tick=0)  # slot 0 started with MINE
    agreement.add(Proposal(2, 1, OTHER), tick=0)
    assert agreement.forfeit_below(2) == [MINE]
    assert agreement.forfeit_below(2) == []
    parts.outbox.take()
    agreement.on_fetch(Fetch(2, 1, OTHER.id))  # slot 2 kept its proposal
    assert parts.outbox.take().messages == [(1, FetchReply(2, 0, OTHER))]


def test_a_decided_change_rebinds_the_future_slots_and_is_reported() -> None:
    parts = Parts()
    agreement = parts.agreement()
    agreement.add(Proposal(1, 2, OTHER), tick=0)  # buffered for slot 1, from member 2
    change = Batch((1, 0, 5), 5, encode_change((), (2,)), KIND_RECONFIGURE)
    agreement.learn(Decision(0, 1, change.id, change), tick=0)
    assert parts.history.latest == Configuration(1, 1, (0, 1))
    assert ConfigChanged(0, 1, (0, 1), ()) in parts.outbox.take().events
    agreement.on_fetch(Fetch(1, 1, OTHER.id))  # slot 1 forgot the removed member's proposal
    assert parts.outbox.take().messages == [(1, FetchReply(1, 0, OTHER))]  # from the queue


def test_the_coin_of_a_slot_uses_its_configuration_epoch() -> None:
    history = ConfigHistory([Configuration(0, 0, (0, 1, 2)), Configuration(10, 1, (0, 1, 2))])
    agreement = Parts(history, seed=5).agreement()
    phase = next(p for p in range(1, 64) if common_coin(5, 0, 10, p) != common_coin(5, 1, 10, p))
    assert agreement.coin(10, phase) == common_coin(5, 1, 10, phase)
    assert agreement.coin(9, phase) == common_coin(5, 0, 9, phase)
    local = Parts(history, seed=5, unsafe=UnsafeSwitches(local_coin=True))
    assert [local.agreement().coin(10, p) for p in range(1, 40)] != [
        agreement.coin(10, p) for p in range(1, 40)
    ]
