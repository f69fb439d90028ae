"""Receiving a snapshot (``rabia.core.transfer``): whole, or pulled chunk by chunk."""

from __future__ import annotations

from rabia.core.config import ReplicaConfig
from rabia.core.messages import Snapshot, SnapshotPull
from rabia.core.queue import DecidedIds
from rabia.core.ready import Outbox, SnapshotRecord, SnapshotWanted
from rabia.core.snapshot import encode_core_state
from rabia.core.stats import ReplicaStats
from rabia.core.transfer import (
    IncomingSnapshot,
    ReceivedSnapshot,
    SnapshotReceiver,
    snapshot_to_send,
)

CONFIG = ReplicaConfig(0, (0, 1, 2), resend_ticks=10, snapshot_abandon_ticks=100)


def _core(slot: int) -> bytes:
    ids = DecidedIds()
    ids.add((1, 0, 0))
    return encode_core_state(slot, ids)


def _receiver() -> tuple[SnapshotReceiver, Outbox, ReplicaStats]:
    outbox, stats = Outbox(), ReplicaStats()
    return SnapshotReceiver(CONFIG, outbox, stats), outbox, stats


def test_incoming_takes_only_the_next_chunk() -> None:
    incoming = IncomingSnapshot(5, 1, b"core", DecidedIds(), (), total=6, progress_tick=0)
    assert incoming.take(0, b"abc", 1)
    assert not incoming.take(0, b"abc", 2)  # a duplicate
    assert not incoming.take(4, b"ef", 2)  # a gap
    assert not incoming.take(3, b"defg", 2)  # past the total
    assert not incoming.complete and incoming.progress_tick == 1
    assert incoming.take(3, b"def", 3)
    assert incoming.complete and incoming.assemble() == b"abcdef"


def test_a_whole_snapshot_is_handed_back_at_once() -> None:
    receiver, outbox, _ = _receiver()
    received = receiver.receive(Snapshot(5, 1, _core(5), b"state"), tick=0)
    assert received is not None
    assert received == ReceivedSnapshot(5, received.ids, (), _core(5), b"state")
    assert (1, 0, 0) in received.ids
    assert not outbox.ready


def test_an_offer_is_pulled_chunk_by_chunk_until_complete() -> None:
    receiver, outbox, _ = _receiver()
    assert receiver.receive(Snapshot(5, 1, _core(5), b"", 0, 6), tick=0) is None
    assert outbox.take().messages == [(1, SnapshotPull(5, 0, 0))]
    assert receiver.receive(Snapshot(5, 1, b"", b"abc", 0, 6), tick=1) is None
    assert outbox.take().messages == [(1, SnapshotPull(5, 0, 3))]
    assert receiver.receive(Snapshot(5, 1, b"", b"abc", 0, 6), tick=2) is None  # duplicate
    assert not outbox.take()
    received = receiver.receive(Snapshot(5, 1, b"", b"def", 3, 6), tick=3)
    assert received is not None and received.app_state == b"abcdef"
    assert received.slot == 5 and received.core_state == _core(5)
    receiver.tick(0, tick=500)  # nothing left to pull
    assert not outbox.take()


def test_malformed_snapshots_are_counted_as_dropped() -> None:
    receiver, outbox, stats = _receiver()
    assert receiver.receive(Snapshot(5, 1, b"\xc1garbage", b"x"), tick=0) is None
    assert receiver.receive(Snapshot(6, 1, _core(5), b"x"), tick=0) is None  # other slot
    assert receiver.receive(Snapshot(5, 1, _core(5), b"xyz", 0, 2), tick=0) is None
    assert stats.dropped == 3
    assert receiver.receive(Snapshot(5, 1, b"", b"x", 3, 9), tick=0) is None  # stray chunk
    assert stats.dropped == 3 and not outbox.ready


def test_a_moving_transfer_is_finished_before_another_sender_is_heard() -> None:
    receiver, outbox, _ = _receiver()
    receiver.receive(Snapshot(5, 1, _core(5), b"ab", 0, 6), tick=0)
    outbox.take()
    assert receiver.receive(Snapshot(8, 2, _core(8), b"", 0, 6), tick=24) is None
    assert not outbox.take()  # ignored: peer 1's transfer moved 24 ticks ago
    receiver.receive(Snapshot(8, 2, _core(8), b"", 0, 6), tick=25)
    assert outbox.take().messages == [(2, SnapshotPull(8, 0, 0))]


def test_tick_re_pulls_a_stalled_chunk_and_abandons_a_dead_or_passed_transfer() -> None:
    receiver, outbox, _ = _receiver()
    receiver.receive(Snapshot(5, 1, _core(5), b"ab", 0, 6), tick=0)
    outbox.take()
    receiver.tick(0, tick=9)
    assert not outbox.take()
    receiver.tick(0, tick=10)
    assert outbox.take().messages == [(1, SnapshotPull(5, 0, 2))]
    receiver.tick(0, tick=100)  # no chunk for snapshot_abandon_ticks: dropped
    receiver.tick(0, tick=200)
    assert not outbox.take()
    receiver.receive(Snapshot(5, 1, _core(5), b"ab", 0, 6), tick=300)
    outbox.take()
    receiver.tick(5, tick=310)  # the replica reached the snapshot's slot by itself
    assert not outbox.take()


def test_snapshot_to_send_serves_a_pull_from_the_snapshot_it_names() -> None:
    latest, previous = SnapshotRecord(9, b"", b"new"), SnapshotRecord(5, b"", b"old")
    assert snapshot_to_send(SnapshotWanted(2, 5, 8), latest, previous) == (previous, 8)
    assert snapshot_to_send(SnapshotWanted(2, 9, 4), latest, previous) == (latest, 4)
    assert snapshot_to_send(SnapshotWanted(2, 3, 4), latest, previous) == (latest, -1)
    assert snapshot_to_send(SnapshotWanted(2), latest, None) == (latest, -1)
    assert snapshot_to_send(SnapshotWanted(2), None, None) == (None, -1)
