"""The replica's driving contract (``rabia.core.replica``): step, tick, submit, ready, advance."""

from __future__ import annotations

import pytest

from rabia.core import (
    BROADCAST,
    Barrier,
    BarrierAck,
    Batch,
    Command,
    Decision,
    Message,
    Proposal,
    Replica,
    ReplicaConfig,
    Request,
    State,
    Status,
    UnsafeSwitches,
    Vote,
)
from rabia.core.messages import VOTE_QUESTION
from tests.core.scripted import InFlight, ScriptedCluster


def _replica(**config: object) -> Replica:
    replica = Replica(ReplicaConfig(0, (0, 1, 2), **config))  # type: ignore[arg-type]
    replica.ready()
    replica.advance()
    return replica


def test_single_request_decides_on_fast_path_everywhere() -> None:
    cluster = ScriptedCluster(3)
    batch = cluster.submit(0)
    cluster.deliver()
    for node in cluster.nodes.values():
        assert [b.id for b in node.log if b] == [batch.id]
        assert node.decided[0].phase == 1 and node.decided[0].via in ("votes", "decision")
    assert any(n.decided[0].via == "votes" for n in cluster.nodes.values())


def test_many_requests_at_every_node_agree() -> None:
    cluster = ScriptedCluster(5)
    ids = set()
    for k in range(20):
        ids.add(cluster.submit(k % 5, seq=k, client=k).id)
        if k % 3 == 0:
            cluster.deliver()
    cluster.settle(50)
    logs = cluster.logs()
    first = logs[0]
    assert all(log == first for log in logs.values())
    assert {b for b in first if b is not None} == ids


def test_submit_numbers_batches_per_incarnation_and_broadcasts_the_request() -> None:
    replica = _replica()
    first = replica.submit([Command(7, 0, b"a")], 10)
    second = replica.submit([Command(7, 1, b"b")], 11)
    assert (first, second) == ((0, 0, 0), (0, 0, 1))
    ready = replica.ready()
    requests = [m for _, m in ready.messages if isinstance(m, Request)]
    assert [r.batch.id for r in requests] == [first, second]
    assert isinstance(ready.messages[1][1], Proposal)  # the first batch is proposed at once
    assert replica.in_slot and replica.pending == 1
    assert ready.peers == (1, 2) == replica.peers


@pytest.mark.parametrize(
    "message",
    [
        Proposal(0, 0, Batch.of((0, 0, 0), 1, ())),  # from itself
        Vote(0, -1, 1, 1),  # no such sender
        State(0, 1, 1, 2),  # not a bit
        State(0, 1, 0, 1),  # phase 0
        Vote(0, 1, 1, 3),  # not a vote
        Proposal(-1, 1, Batch.of((1, 0, 0), 1, ())),  # negative slot
        Proposal(4096, 1, Batch.of((1, 0, 0), 1, ())),  # beyond the future window
        Request(1, Batch.of((2, 0, 0), 1, ())),  # relays a batch of another origin
        Vote(0, 5, 1, VOTE_QUESTION),  # not a member
    ],
)
def test_step_drops_what_it_cannot_trust(message: Message) -> None:
    replica = _replica()
    replica.step(message)
    assert replica.stats.dropped == 1
    assert not replica.has_ready()


def test_a_straggler_in_a_decided_slot_is_told_the_decision() -> None:
    cluster = ScriptedCluster(3)
    batch = cluster.submit(0)
    cluster.settle(5)
    replica = cluster.nodes[0].replica
    replica.step(Vote(0, 2, 1, 1, batch.id))
    assert not replica.has_ready()  # it broadcast that decision a moment ago
    cluster.tick(0, 10)
    replica.step(Vote(0, 2, 1, 1, batch.id))
    ready = replica.ready()
    assert ready.messages == [(2, Decision(0, 0, batch.id, batch))]


def test_ready_and_advance_alternate() -> None:
    replica = Replica(ReplicaConfig(0, (0, 1, 2)))
    assert replica.has_ready()  # the incarnation record
    ready = replica.ready()
    assert ready.sync and ready.records
    with pytest.raises(RuntimeError):
        replica.ready()
    replica.submit([], 1)
    assert not replica.has_ready()  # work waits for advance()
    replica.advance()
    with pytest.raises(RuntimeError):
        replica.advance()
    assert replica.has_ready()


def test_tick_broadcasts_status_and_a_restart_announces_itself() -> None:
    replica = _replica(status_ticks=3)
    for _ in range(3):
        replica.tick()
    assert replica.ready().messages == [(BROADCAST, Status(0, 0))]
    replica.advance()
    records = [*Replica(ReplicaConfig(0, (0, 1, 2))).ready().records]
    restarted = Replica(ReplicaConfig(0, (0, 1, 2)), records)
    assert restarted.incarnation == 1
    assert restarted.ready().messages == [(BROADCAST, Status(0, 0))]


# ------------------------------------------------------------ read barrier (ADR 0017)
def _barrier_traffic(m: InFlight) -> bool:
    return isinstance(m.message, Barrier | BarrierAck)


def test_the_mark_counts_the_slot_under_way() -> None:
    cluster = ScriptedCluster(3)
    replica = cluster.nodes[0].replica
    assert replica.mark == -1
    cluster.submit(0)
    assert replica.in_slot and replica.mark == 0
    cluster.settle(3)
    assert replica.next_slot == 1 and replica.mark == 0


def test_a_lagging_replica_answers_a_read_only_once_it_has_what_a_quorum_decided() -> None:
    cluster = ScriptedCluster(3)
    to_or_from_2 = lambda m: 2 in (m.src, m.dst)  # noqa: E731
    for k in range(3):
        cluster.submit(0, seq=k)
        cluster.settle(3, pred=lambda m: not to_or_from_2(m))
    cluster.drop(to_or_from_2)
    lagging = cluster.nodes[2]
    assert lagging.log == [] and len(cluster.nodes[0].log) == 3
    ticket = cluster.read(2)
    cluster.deliver(_barrier_traffic)
    assert ticket not in lagging.answered, "B = 2 from node 0 or 1: slots 0..2 first"
    cluster.settle(30)
    assert lagging.answered[ticket] == 3
    assert lagging.replica.reads_waiting == 0


def test_a_read_waits_for_the_slot_under_way_at_a_member() -> None:
    cluster = ScriptedCluster(3)
    cluster.submit(1)  # node 1 speaks in slot 0; nothing delivered yet
    ticket = cluster.read(0)
    cluster.deliver(lambda m: _barrier_traffic(m) and 1 in (m.src, m.dst))
    assert ticket not in cluster.nodes[0].answered
    cluster.settle(5)
    assert cluster.nodes[0].answered[ticket] == 1


def test_answers_to_an_earlier_life_are_not_counted() -> None:
    cluster = ScriptedCluster(3)
    cluster.read(0)
    cluster.deliver(lambda m: isinstance(m.message, Barrier) and m.dst == 1)
    (old_ack,) = [m.message for m in cluster.in_flight if isinstance(m.message, BarrierAck)]
    cluster.crash(0)
    cluster.restart(0)
    ticket = cluster.read(0)
    cluster.nodes[0].replica.step(old_ack)
    cluster.drain(0)
    assert ticket not in cluster.nodes[0].answered
    cluster.deliver(_barrier_traffic)
    assert cluster.nodes[0].answered[ticket] == 0


def test_an_abstaining_replica_answers_no_barrier_until_past_its_mark() -> None:
    replica = Replica(ReplicaConfig(1, (0, 1, 2), recovery="abstain"))
    replica.submit([], 1)
    records = list(replica.ready().records)
    restarted = Replica(ReplicaConfig(1, (0, 1, 2), recovery="abstain"), records)
    restarted.ready()
    restarted.advance()
    assert restarted.abstaining
    restarted.step(Barrier(0, 0, 1))
    assert not restarted.has_ready()


def test_any_peer_may_ask_and_is_answered_with_mark_and_epoch() -> None:
    replica = _replica()
    replica.step(Barrier(9, 2, 5))
    assert replica.ready().messages == [(9, BarrierAck(0, 2, 5, -1, 0))]


def test_a_decided_configuration_change_restarts_the_barrier() -> None:
    cluster = ScriptedCluster(3)
    cluster.add_joiner(3)
    cluster.reconfigure(1, add=((3, "n3"),))
    ticket = cluster.read(0)
    first = [m for m in cluster.in_flight if isinstance(m.message, Barrier)]
    assert {m.dst for m in first} == {1, 2}
    cluster.settle(20, pred=lambda m: not _barrier_traffic(m) or m.message.number > 1)  # type: ignore[union-attr]
    replica = cluster.nodes[0].replica
    assert replica.configuration.members == (0, 1, 2, 3)
    assert replica.stats.barrier_restarts == 1
    assert cluster.nodes[0].answered[ticket] >= 1
    assert any(m.dst == 3 and isinstance(m.message, Barrier) for m in cluster.sent)


@pytest.mark.parametrize("restart", [True, False], ids=["restarts", "unsafe-no-restart"])
def test_a_reader_behind_two_changes_reads_only_under_the_latest(restart: bool) -> None:
    """0 misses two changes ({0,1,2} + 3, then - 2) and a write that 1 and 3 alone decide.
    Its barrier under {0,1,2} gets the removed 2's answer (mark 1): without a restart it
    would answer after slot 1, before the write; with one it asks {0,1,3} again."""
    cluster = ScriptedCluster(3, unsafe=UnsafeSwitches(barrier_no_restart=not restart))
    cluster.add_joiner(3)
    away = lambda m: 0 in (m.src, m.dst)  # noqa: E731
    cluster.reconfigure(1, add=((3, "n3"),))
    cluster.settle(30, pred=lambda m: not away(m))
    cluster.reconfigure(1, remove=(2,))
    cluster.settle(30, pred=lambda m: not away(m))
    assert cluster.nodes[1].replica.configuration.members == (0, 1, 3)
    cluster.drop(lambda m: 2 in (m.src, m.dst))
    cluster.submit(1, seq=7)
    cluster.settle(30, pred=lambda m: not away(m) and 2 not in (m.src, m.dst))
    assert len(cluster.nodes[1].log) == 3 and len(cluster.nodes[2].log) == 2
    cluster.drop(away)
    ticket = cluster.read(0)
    cluster.settle(60, pred=lambda m: {m.src, m.dst} == {0, 2})
    reader = cluster.nodes[0]
    assert len(reader.log) == 2 and reader.replica.configuration.members == (0, 1, 3)
    if not restart:
        assert reader.answered[ticket] == 2, "a stale read: the write of slot 2 is missing"
        return
    assert ticket not in reader.answered
    cluster.settle(60)
    assert reader.answered[ticket] == 3
