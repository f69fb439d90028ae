"""Catch-up (``rabia.core.catchup``): peers' progress, STATUS answers, snapshot offers."""

from __future__ import annotations

from rabia.core.catchup import CatchUp
from rabia.core.config import ReplicaConfig
from rabia.core.log import DecidedLog
from rabia.core.messages import BROADCAST, Batch, Decision, Snapshot, SnapshotPull, Status
from rabia.core.ready import Outbox, SnapshotWanted

CONFIG = ReplicaConfig(
    0,
    (0, 1, 2),
    resend_ticks=10,
    status_ticks=50,
    catchup_chunk=2,
    snapshot_chunk=4,
    snapshot_abandon_ticks=100,
)


def _catchup(decided: int = 0, abstain_below: int = 0) -> tuple[CatchUp, DecidedLog, Outbox]:
    log = DecidedLog()
    for seq in range(decided):
        log.append(None if seq % 3 == 2 else Batch.of((1, 0, seq), seq, ()))
    outbox = Outbox()
    return CatchUp(CONFIG, log, outbox, abstain_below), log, outbox


def _decision(log: DecidedLog, slot: int) -> Decision:
    value = log.decided(slot)
    return Decision(slot, 0, None if value is None else value.id, value)


def test_status_is_where_the_replica_stands_and_abstains() -> None:
    catchup, log, _ = _catchup(decided=3, abstain_below=7)
    assert catchup.status() == Status(3, 0, 7)
    log.append(None)
    assert catchup.status() == Status(4, 0, 7)


def test_a_peer_behind_gets_one_chunk_of_decisions_with_their_payloads() -> None:
    catchup, log, outbox = _catchup(decided=5)
    catchup.on_status(Status(1, 2), tick=0)
    assert outbox.take().messages == [(2, _decision(log, 1)), (2, _decision(log, 2))]
    catchup.on_status(Status(5, 1), tick=0)  # not behind
    assert outbox.take().messages == []


def test_a_peer_below_the_window_is_offered_a_snapshot_once_per_interval() -> None:
    catchup, log, outbox = _catchup(decided=4)
    log.compact(3)
    catchup.on_status(Status(1, 2), tick=0)
    assert outbox.take().events == [SnapshotWanted(2)]
    catchup.on_status(Status(1, 2), tick=9)
    catchup.reply_decision(2, 2, tick=9)  # a straggler in a compacted slot: the same offer
    assert not outbox.take()
    catchup.reply_decision(2, 2, tick=10)
    assert outbox.take().events == [SnapshotWanted(2)]


def test_a_peer_pulling_our_snapshot_is_not_offered_another() -> None:
    catchup, log, outbox = _catchup(decided=4)
    log.compact(4)
    catchup.on_snapshot_pull(SnapshotPull(4, 2, 8), tick=0)
    assert outbox.take().events == [SnapshotWanted(2, 4, 8)]
    catchup.on_status(Status(1, 2), tick=99)
    assert not outbox.take()
    catchup.on_status(Status(1, 2), tick=100)  # the pull stopped long enough ago
    assert outbox.take().events == [SnapshotWanted(2)]


def test_a_peer_that_installed_the_snapshot_it_pulled_is_offered_the_next_at_once() -> None:
    catchup, log, outbox = _catchup(decided=8)
    catchup.on_snapshot_pull(SnapshotPull(4, 2, 8), tick=0)
    log.compact(8)
    outbox.take()
    catchup.on_status(Status(4, 2), tick=20)  # it installed slot 4; we compacted past it
    assert outbox.take().events == [SnapshotWanted(2)]


def test_a_straggler_is_told_a_decision_at_most_once_per_interval() -> None:
    catchup, log, outbox = _catchup(decided=4)
    catchup.reply_decision(2, 1, tick=0)
    catchup.reply_decision(2, 1, tick=9)
    catchup.reply_decision(2, 0, tick=9)  # covered by the reply for slot 1
    assert outbox.take().messages == [(2, _decision(log, 1))]
    catchup.reply_decision(2, 2, tick=9)  # a later slot goes at once
    catchup.reply_decision(1, 2, tick=9)  # and so does another peer's
    catchup.reply_decision(2, 2, tick=19)
    assert outbox.take().messages == [
        (2, _decision(log, 2)),
        (1, _decision(log, 2)),
        (2, _decision(log, 2)),
    ]


def test_a_broadcast_decision_counts_as_told() -> None:
    catchup, log, outbox = _catchup(decided=4)
    catchup.decision_broadcast((0, 1, 2), 3, tick=5)
    catchup.reply_decision(1, 3, tick=14)
    assert not outbox.take()
    catchup.reply_decision(1, 3, tick=15)
    assert outbox.take().messages == [(1, _decision(log, 3))]


def test_tick_asks_the_peers_ahead_in_turn_and_broadcasts_status() -> None:
    catchup, log, outbox = _catchup()
    catchup.tick(1)
    assert not outbox.take()  # nobody is known to be ahead
    catchup.heard(1, 5)
    catchup.heard(2, 7)
    catchup.heard(1, 3)  # older news: peer 1 is still at 5
    catchup.tick(2)
    catchup.tick(11)  # the same slot: at most once per resend interval
    catchup.tick(12)
    assert outbox.take().messages == [(1, Status(0, 0)), (2, Status(0, 0))]
    log.append(None)
    catchup.tick(13)  # a new slot: ask at once, the next peer in turn
    assert outbox.take().messages == [(1, Status(1, 0))]
    for _ in range(4):
        log.append(None)
    catchup.tick(50)
    assert outbox.take().messages == [(BROADCAST, Status(5, 0)), (2, Status(5, 0))]
    catchup.tick(60)
    assert outbox.take().messages == [(2, Status(5, 0))]


def test_the_abstain_mark_is_the_highest_any_peer_announced() -> None:
    catchup, _, _ = _catchup()
    assert catchup.abstain_mark == 0
    catchup.on_status(Status(0, 1, 9), tick=0)
    catchup.on_status(Status(2, 2, 12), tick=0)
    assert catchup.abstain_mark == 12
    catchup.on_status(Status(12, 2, 12), tick=0)  # peer 2 speaks again
    assert catchup.abstain_mark == 9


def test_send_snapshot_goes_whole_offered_or_by_chunk() -> None:
    catchup, _, outbox = _catchup()
    catchup.send_snapshot(2, 7, b"core", b"abc")
    catchup.send_snapshot(2, 7, b"core", b"0123456789")
    catchup.send_snapshot(2, 7, b"core", b"0123456789", 4)
    catchup.send_snapshot(2, 7, b"core", b"0123456789", 10)  # past the end: nothing
    assert outbox.take().messages == [
        (2, Snapshot(7, 0, b"core", b"abc", 0, 3)),
        (2, Snapshot(7, 0, b"core", b"", 0, 10)),
        (2, Snapshot(7, 0, b"", b"4567", 4, 10)),
    ]
