"""Crash-recovery (section 5b): a restarted replica never speaks twice differently.

Scenarios, then the reading of the stored records (``rabia.core.recovery``)."""

from __future__ import annotations

from rabia.core import (
    Batch,
    DecidedRecord,
    IncarnationRecord,
    Proposal,
    Request,
    ReservedRecord,
    SentRecord,
    SnapshotRecord,
    State,
    UnsafeSwitches,
    Vote,
)
from rabia.core.messages import message_phase
from rabia.core.recovery import Recovered
from tests.core.scripted import InFlight, ScriptedCluster


def equivocations(sent: list[InFlight]) -> list[str]:
    seen: dict[tuple[int, int, str, int], object] = {}
    bad = []
    for f in sent:
        m = f.message
        if isinstance(m, Proposal | State | Vote):
            key = (m.sender, m.slot, type(m).__name__, message_phase(m))
            if seen.setdefault(key, m) != m:
                bad.append(f"{key}: {seen[key]} != {m}")
    return bad


def _mid_slot(c: ScriptedCluster) -> None:
    """Everyone proposes a different batch and sends its first state; then all crash."""
    for i in c.members:
        c.submit(i, bytes([i]), client=i)
    c.drop(lambda f: isinstance(f.message, Request))
    c.deliver(lambda f: isinstance(f.message, Proposal))
    c.deliver(lambda f: isinstance(f.message, State))
    for i in c.members:
        c.crash(i)
    c.in_flight.clear()


def test_whole_cluster_crash_mid_slot_finishes_that_slot_in_replay_mode() -> None:
    c = ScriptedCluster(3, recovery="replay")
    _mid_slot(c)
    for i in c.members:
        c.restart(i)
    c.settle(200)
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2] and len(logs[0]) >= 1
    assert equivocations(c.sent) == []


def test_restart_after_deciding_replays_the_log() -> None:
    c = ScriptedCluster(3)
    batch = c.submit(1, b"v")
    c.settle(5)
    c.crash(2)
    c.restart(2)
    assert c.nodes[2].replica.next_slot == 1
    assert c.nodes[2].log == [batch]  # re-emitted for a fresh state machine
    assert c.nodes[2].replica.incarnation == 1


def test_new_incarnation_never_reuses_batch_ids() -> None:
    c = ScriptedCluster(3)
    first = c.submit(0, b"a")
    c.settle(5)
    c.crash(0)
    c.restart(0)
    second = c.submit(0, b"b", seq=1)
    assert first.id != second.id and second.id[1] == 1


def test_forgetting_what_was_sent_equivocates() -> None:
    c = ScriptedCluster(3, unsafe=UnsafeSwitches(forget_sent=True))
    _mid_slot(c)
    for i in c.members:
        c.restart(i)
    # Fresh requests: the amnesiac replicas propose new batches in the old slot.
    for i in c.members:
        c.submit(i, b"again" + bytes([i]), client=10 + i)
    c.settle(50)
    assert equivocations(c.sent)


def test_abstaining_replica_stays_silent_and_learns() -> None:
    c = ScriptedCluster(3, recovery="abstain")
    c.submit(0, b"a")
    c.deliver(lambda f: isinstance(f.message, Request) and f.dst == 2)  # 2 proposes
    c.deliver(lambda f: f.dst != 2 and f.src != 2)
    c.crash(2)
    c.restart(2)
    assert c.nodes[2].replica.abstaining
    c.submit(0, b"b", seq=1)
    c.settle(100)
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2]
    ops = [cmd.op for b in c.nodes[0].log if b for cmd in b.commands]
    assert ops == [b"a", b"b"]  # and no-ops that filled the abstainer's reserved slots
    assert equivocations(c.sent) == []


def test_rolling_restart_of_an_idle_abstain_cluster_keeps_going() -> None:
    """Peers fill an abstainer's reserved slots with no-ops, so it is soon whole again."""
    c = ScriptedCluster(3, recovery="abstain", reserve_chunk=16)
    c.submit(0, b"a")
    c.settle(5)
    for victim in (2, 1):
        c.submit(victim, b"v%d" % victim, client=victim)  # it speaks, reserving slots
        c.settle(5)
        c.crash(victim)
        c.restart(victim)
        assert c.nodes[victim].replica.abstaining
        c.settle(150)
        assert not c.nodes[victim].replica.abstaining
    c.submit(0, b"b", seq=1)
    c.settle(20)
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2]
    ops = [cmd.op for b in c.nodes[0].log if b for cmd in b.commands]
    assert ops == [b"a", b"v2", b"v1", b"b"]
    assert equivocations(c.sent) == []


def test_an_idle_abstain_cluster_killed_everywhere_serves_again_when_nothing_was_lost() -> None:
    """ADR 0010: after a process crash (or a clean stop) the records are all there, so the
    replicas resume instead of abstaining; after a power loss they abstain (5b's limit)."""
    for intact in (True, False):
        c = ScriptedCluster(3, recovery="abstain", reserve_chunk=16)
        c.submit(0, b"a")
        c.settle(10)
        for i in c.members:
            c.crash(i)
        for i in c.members:
            c.restart(i, intact=intact)
        c.submit(1, b"b", seq=1)
        c.settle(200)
        ops = {i: [cmd.op for b in n.log if b for cmd in b.commands] for i, n in c.nodes.items()}
        if intact:
            assert all(not n.replica.abstaining for n in c.nodes.values())
            assert ops == {i: [b"a", b"b"] for i in c.members}
        else:  # every replica abstains in the same slots: nobody may speak there
            assert all(n.replica.abstaining for n in c.nodes.values())
            assert ops == {i: [b"a"] for i in c.members}
        assert equivocations(c.sent) == []


def test_whole_cluster_crash_mid_slot_finishes_that_slot_in_abstain_mode_when_intact() -> None:
    c = ScriptedCluster(3, recovery="abstain")
    _mid_slot(c)
    for i in c.members:
        c.restart(i, intact=True)
    c.settle(200)
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2] and len(logs[0]) >= 1
    assert equivocations(c.sent) == []


def test_an_abstain_window_survives_a_later_intact_restart() -> None:
    """A replica that restarted abstaining lost its earlier messages: restarting again,
    intact this time, it must still stay silent below the first restart's mark."""
    c = ScriptedCluster(3, recovery="abstain", reserve_chunk=16)
    c.submit(2, b"a", client=2)  # 2 speaks, reserving slots below 16
    c.settle(5)
    c.crash(2)
    c.restart(2)  # lossy: abstains below 16
    assert c.nodes[2].replica.abstaining
    c.crash(2)
    c.restart(2, intact=True)
    assert c.nodes[2].replica.abstaining  # the window of the lossy life still holds
    c.settle(150)  # peers fill the window with no-ops
    assert not c.nodes[2].replica.abstaining
    c.submit(2, b"b", client=2, seq=1)
    c.settle(20)
    logs = c.logs()
    assert logs[0] == logs[1] == logs[2]
    assert equivocations(c.sent) == []


def test_switching_to_replay_after_a_power_loss_still_abstains() -> None:
    """The records of an ``abstain`` run that lost power stay incomplete when the node
    comes back in ``replay`` mode: it must abstain up to its reservation mark."""
    from dataclasses import replace

    from rabia.core import Replica

    c = ScriptedCluster(3, recovery="abstain", reserve_chunk=16)
    c.submit(2, b"a", client=2)  # 2 speaks, reserving slots below 16
    c.settle(5)
    records = list(c.nodes[2].records)
    replay = replace(c._config(2), recovery="replay")
    assert Replica(replay, records, intact=False).abstaining
    assert not Replica(replay, records).abstaining  # replay's default: records complete
    assert not Replica(replay, records, intact=True).abstaining


def test_stored_records_are_sorted_by_what_they_say() -> None:
    batch = Batch.of((0, 0, 0), 1, ())
    proposal, state = Proposal(4, 0, batch), State(4, 0, 1, 1, batch.id)
    stored = Recovered.read(
        [
            IncarnationRecord(0),
            SnapshotRecord(2, b"old", b""),
            DecidedRecord(2, batch),
            DecidedRecord(3, None),
            ReservedRecord(64),
            SentRecord(proposal),
            SnapshotRecord(3, b"new", b""),
            SnapshotRecord(1, b"older", b""),
            IncarnationRecord(1, abstain_below=8),
            SentRecord(state),
            ReservedRecord(32),
        ]
    )
    assert stored.incarnation == 1 and stored.inherited_abstain == 8
    assert stored.reserved == 64
    assert stored.snapshot == SnapshotRecord(3, b"new", b"")
    assert stored.decided == {2: batch, 3: None}
    assert stored.sent == {4: [proposal, state]}
    assert Recovered.read([]) == Recovered()


def test_abstain_window_after_a_complete_or_a_lossy_restart() -> None:
    stored = Recovered(reserved=64, inherited_abstain=8)
    assert stored.abstain_below(complete=True) == 8
    assert stored.abstain_below(complete=False) == 64
    assert Recovered(reserved=4, inherited_abstain=8).abstain_below(complete=False) == 8
