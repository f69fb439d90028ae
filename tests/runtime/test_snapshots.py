"""SnapshotKeeper: the schedule on rank-shifted grids, what is kept and offered."""

from __future__ import annotations

from rabia.core.ready import SnapshotRecord, SnapshotWanted
from rabia.runtime.snapshots import NEVER, PULL_IDLE_SECONDS, SnapshotKeeper


def _record(slot: int) -> SnapshotRecord:
    return SnapshotRecord(slot, b"core", b"app%d" % slot)


def test_members_snapshot_on_grids_shifted_by_rank() -> None:
    ids = (0, 1, 2)
    keepers = [SnapshotKeeper(90, ids, me) for me in ids]
    assert [k.due for k in keepers] == [90, 120, 60]  # offsets 0, 30, 60 on a 90 grid
    for keeper in keepers:  # each next one lands an interval later on its own grid
        keeper.saved(_record(keeper.due), now=0.0)
    assert [k.due for k in keepers] == [180, 210, 150]
    assert all(k.taken == 1 for k in keepers)


def test_off_never_comes_due() -> None:
    assert SnapshotKeeper(0, (0, 1, 2), 0).due == NEVER


def test_the_log_is_kept_from_the_previous_snapshot() -> None:
    keeper = SnapshotKeeper(10, (0,), 0)
    assert keeper.saved(_record(10), now=0.0) == 10
    assert keeper.saved(_record(20), now=1.0) == 10
    assert keeper.saved(_record(30), now=2.0) == 20


def test_the_previous_snapshot_is_kept_only_while_a_peer_pulls_it() -> None:
    keeper = SnapshotKeeper(10, (0, 1, 2), 0)
    keeper.saved(_record(10), now=0.0)
    assert keeper.to_send(SnapshotWanted(1, -1, -1), now=0.0) == (_record(10), -1)
    assert keeper.to_send(SnapshotWanted(1, 10, 3), now=1.0) == (_record(10), 3)
    keeper.saved(_record(20), now=2.0)  # a pull 1 s ago: the old one stays
    assert keeper.kept == (_record(20), _record(10))
    assert keeper.to_send(SnapshotWanted(1, 10, 6), now=2.5) == (_record(10), 6)
    keeper.saved(_record(30), now=2.5 + PULL_IDLE_SECONDS + 1)  # nobody pulled 20
    assert keeper.kept == (_record(30),)
    # a pull from a snapshot no longer kept gets an offer of the latest
    assert keeper.to_send(SnapshotWanted(1, 10, 9), now=20.0) == (_record(30), -1)


def test_installing_replaces_both_and_moves_the_schedule() -> None:
    keeper = SnapshotKeeper(100, (0, 1), 1)
    keeper.saved(_record(50), now=0.0)
    keeper.installed(_record(700))
    assert keeper.kept == (_record(700),) and keeper.latest == _record(700)
    assert keeper.due == 850 and keeper.taken == 1


def test_nothing_to_offer_before_the_first_snapshot() -> None:
    assert SnapshotKeeper(10, (0, 1, 2), 2).to_send(SnapshotWanted(0, -1, -1), 0.0) == (None, -1)
