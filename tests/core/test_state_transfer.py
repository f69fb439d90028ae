"""Snapshots, log compaction and snapshot-based state transfer in the core."""

from __future__ import annotations

import pytest

from rabia.core import DecidedRecord, Replica, ReplicaConfig
from rabia.core.messages import Snapshot, SnapshotPull, Status
from rabia.core.ready import SnapshotRecord
from rabia.core.snapshot import SlotCompacted, decode_core_state
from tests.core.scripted import ScriptedCluster


def _decide(c: ScriptedCluster, count: int, proxy: int = 0, first: int = 0) -> None:
    """Decide ``count`` batches one after another (delivering only what ``c.settle`` may)."""
    for k in range(count):
        c.submit(proxy, b"op%d" % (first + k), client=1, seq=first + k)
        c.settle(3)


def _isolated(node: int) -> object:
    return lambda f: node not in (f.src, f.dst)


def test_compact_drops_the_prefix_and_decided_raises() -> None:
    c = ScriptedCluster(3)
    _decide(c, 4)
    replica = c.nodes[1].replica
    assert replica.next_slot == 4
    with pytest.raises(ValueError):
        replica.compact(5)
    assert c.compact(1) == 4
    assert replica.log_start == 4 and replica.next_slot == 4
    with pytest.raises(SlotCompacted):
        replica.decided(3)
    _decide(c, 2, first=4)
    assert replica.decided(5) == c.nodes[0].log[5]


def test_restart_installs_the_snapshot_then_replays_the_suffix() -> None:
    c = ScriptedCluster(3)
    _decide(c, 5)
    c.compact(2)
    _decide(c, 3, first=5)
    records = c.nodes[2].records
    assert not any(isinstance(r, DecidedRecord) and r.slot < 5 for r in records)
    c.crash(2)
    old = c.nodes[2].records
    restarted = Replica(c._config(2), list(old))
    ready = restarted.ready()
    assert ready.install is not None and ready.install.slot == 5
    assert [e.slot for e in ready.committed] == [5, 6, 7]
    restarted.advance()
    c.restart(2)
    assert c.nodes[2].replica.log_start == 5 and c.nodes[2].replica.next_slot == 8
    assert c.logs()[2] == c.logs()[0]
    _decide(c, 2, proxy=2, first=8)  # speaks again, and no batch id is decided twice
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2] and len(logs[0]) == 10
    ids = [b for b in logs[0] if b is not None]
    assert len(ids) == len(set(ids))


def test_isolated_replica_catches_up_by_snapshot_then_decisions() -> None:
    c = ScriptedCluster(3)
    _decide(c, 1)
    keep = _isolated(2)
    for k in range(12):
        c.submit(0, b"x%d" % k, client=2, seq=k)
        c.settle(3, pred=keep)  # type: ignore[arg-type]
        if k == 7:
            c.compact(0)
            c.compact(1)
    c.drop(lambda f: not keep(f))  # type: ignore[operator]
    assert c.nodes[0].replica.log_start == 9 and c.nodes[0].replica.next_slot == 13
    assert c.nodes[2].replica.next_slot == 1
    c.settle(100)
    lagger = c.nodes[2]
    assert lagger.replica.stats.snapshots_installed == 1
    assert lagger.replica.next_slot == 13 and lagger.replica.log_start == 9
    assert any(isinstance(r, SnapshotRecord) and r.slot == 9 for r in lagger.records)
    assert any(isinstance(f.message, Snapshot) and f.dst == 2 for f in c.sent)
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2]
    assert [d.slot for d in lagger.decided] == [0, 9, 10, 11, 12]  # decisions after the jump


def test_a_large_snapshot_is_offered_then_pulled_chunk_by_chunk() -> None:
    """ADR 0011: a state above ``snapshot_chunk`` goes as an offer, then one pulled chunk
    at a time, in order; lost chunks are pulled again; the result installs as one."""
    c = ScriptedCluster(3, snapshot_chunk=16)
    _decide(c, 1)
    keep = _isolated(2)
    for k in range(12):
        c.submit(0, b"x%d" % k, client=2, seq=k)
        c.settle(3, pred=keep)  # type: ignore[arg-type]
    c.compact(0)
    c.compact(1)
    c.drop(lambda f: not keep(f))  # type: ignore[operator]
    size = len(c.nodes[0].snapshot.app_state)  # type: ignore[union-attr]
    assert size > 3 * 16
    lost = 0

    def lose_some_chunks(f: object) -> bool:  # drop every third chunk once
        nonlocal lost
        m = f.message  # type: ignore[attr-defined]
        if isinstance(m, Snapshot) and m.app_state and m.offset % 48 == 16 and lost < 2:
            lost += 1
            return False
        return True

    for _ in range(400):
        c.deliver(lose_some_chunks)  # type: ignore[arg-type]
        c.tick_all(1)
        if c.nodes[2].replica.next_slot == 13:
            break
    lagger = c.nodes[2]
    assert lost == 2
    assert lagger.replica.stats.snapshots_installed == 1
    assert lagger.replica.next_slot == 13
    to_lagger = [f.message for f in c.sent if isinstance(f.message, Snapshot) and f.dst == 2]
    assert all(len(m.app_state) <= 16 for m in to_lagger)
    assert any(not m.app_state and m.total == size for m in to_lagger)  # an offer
    pulls = [f.message for f in c.sent if isinstance(f.message, SnapshotPull) and f.src == 2]
    offsets = sorted({p.offset for p in pulls})
    assert offsets == list(range(0, size, 16))  # every chunk, in order, each asked for
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2]


def test_snapshot_not_ahead_is_ignored() -> None:
    c = ScriptedCluster(3)
    _decide(c, 3)
    c.compact(0)
    snap = c.nodes[0].snapshot
    assert snap is not None
    replica = c.nodes[1].replica
    for slot in (2, 3):
        core = snap.core_state if slot == 3 else b""
        replica.step(Snapshot(slot, 0, core, snap.app_state))
        if replica.has_ready():
            assert replica.ready().install is None
            replica.advance()
    assert replica.next_slot == 3 and replica.stats.snapshots_installed == 0


def test_snapshot_with_a_mismatched_core_state_is_dropped() -> None:
    c = ScriptedCluster(3)
    _decide(c, 3)
    c.compact(0)
    snap = c.nodes[0].snapshot
    assert snap is not None
    fresh = Replica(ReplicaConfig(2, (0, 1, 2)))
    fresh.ready()
    fresh.advance()
    fresh.step(Snapshot(4, 0, snap.core_state, snap.app_state))  # core state says slot 3
    fresh.step(Snapshot(4, 0, b"\xc1garbage", snap.app_state))
    assert fresh.next_slot == 0 and fresh.stats.dropped == 2


def test_status_below_log_start_asks_the_driver_once_per_interval() -> None:
    c = ScriptedCluster(3)
    _decide(c, 3)
    c.compact(0)
    replica = c.nodes[0].replica
    replica.step(Status(1, 2))
    ready = replica.ready()
    replica.advance()
    assert [type(e).__name__ for e in ready.events] == ["SnapshotWanted"]
    replica.step(Status(1, 2))
    assert not replica.has_ready()  # rate-limited


def test_core_snapshot_describes_the_decided_prefix() -> None:
    c = ScriptedCluster(3)
    _decide(c, 3)
    replica = c.nodes[1].replica
    slot, ids, _configs = decode_core_state(replica.core_snapshot())
    assert slot == 3
    for batch in c.nodes[1].log:
        assert batch is not None and batch.id in ids
