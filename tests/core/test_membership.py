"""Membership change (ADR 0006): reconfiguration batches, per-slot configurations, joiners."""

from __future__ import annotations

import pytest

from rabia.core import CoinFlipped, Command, Proposal, State, Vote, common_coin
from rabia.core.membership import (
    ConfigHistory,
    Configuration,
    Reconfigure,
    decode_change,
    encode_change,
    next_configuration,
)
from rabia.core.messages import KIND_RECONFIGURE, VOTE_QUESTION, Batch
from rabia.core.ready import ConfigChanged
from rabia.core.snapshot import decode_core_state

from .scripted import ScriptedCluster


def _slot_messages(c: ScriptedCluster, sender: int) -> list[Proposal | State | Vote]:
    return [
        m.message
        for m in c.sent
        if m.src == sender and isinstance(m.message, Proposal | State | Vote)
    ]


def _decide_one(c: ScriptedCluster, at: int, seq: int) -> None:
    c.submit(at, b"op%d" % seq, client=1, seq=seq)
    c.settle(20)


def test_next_configuration_validates_changes() -> None:
    base = Configuration(0, 0, (0, 1, 2))
    assert next_configuration(base, 4, Reconfigure(add=((3, "h:3"),))) == Configuration(
        5, 1, (0, 1, 2, 3), ((3, "h:3"),)
    )
    assert next_configuration(base, 4, Reconfigure(remove=(1,))) == Configuration(5, 1, (0, 2))
    assert next_configuration(base, 4, Reconfigure(add=((1, "x"),))) is None  # a member
    assert next_configuration(base, 4, Reconfigure(remove=(7,))) is None  # not a member
    assert next_configuration(base, 4, Reconfigure(remove=(0, 1))) is None  # two at once
    assert next_configuration(base, 4, Reconfigure()) is None
    single = Configuration(0, 0, (5,))
    assert next_configuration(single, 0, Reconfigure(remove=(5,))) is None  # the last one
    assert decode_change(b"\xc1") is None
    assert decode_change(encode_change([(3, "a")], [])) == Reconfigure(((3, "a"),), ())


def test_history_covers_slots() -> None:
    h = ConfigHistory([Configuration(0, 0, (0, 1, 2))])
    batch = Batch((0, 0, 0), 1, encode_change([], [2]), KIND_RECONFIGURE)
    assert h.decided(9, batch) == Configuration(10, 1, (0, 1))
    assert h.at(9).members == (0, 1, 2)
    assert h.at(10).members == (0, 1)
    assert h.decided(9, batch) is None  # known already: idempotent
    assert h.since(12) == (Configuration(10, 1, (0, 1)),)


def test_add_a_fourth_node_whose_votes_count_from_the_boundary() -> None:
    c = ScriptedCluster(3, seed=7)
    c.add_joiner(3)
    _decide_one(c, 0, 0)
    c.reconfigure(1, add=((3, "host:3"),))
    c.settle(30)
    boundary = c.nodes[0].replica.configuration.start
    for i in range(4):
        replica = c.nodes[i].replica
        assert replica.configuration == Configuration(boundary, 1, (0, 1, 2, 3), ((3, "host:3"),))
        assert replica.configuration_at(boundary - 1).members == (0, 1, 2)
    assert not [m for m in _slot_messages(c, 3) if m.slot < boundary]
    # n = 4: quorum 3. With node 0 down, nothing is decided without node 3.
    c.crash(0)
    c.nodes[3].up = False
    before = c.nodes[1].replica.next_slot
    c.submit(1, b"a", client=2, seq=0)
    c.settle(20)
    assert c.nodes[1].replica.next_slot == before
    c.nodes[3].up = True
    c.settle(40)
    assert c.nodes[1].replica.next_slot > before
    assert [m for m in _slot_messages(c, 3) if m.slot >= boundary]
    logs = c.logs()
    assert logs[1] == logs[2] == logs[3]


def test_remove_a_node_then_the_rest_decide_without_it() -> None:
    c = ScriptedCluster(3, seed=3)
    _decide_one(c, 0, 0)
    c.reconfigure(0, remove=(2,))
    c.settle(30)
    boundary = c.nodes[0].replica.configuration.start
    for i in range(3):
        assert c.nodes[i].replica.configuration.members == (0, 1)
        assert c.nodes[i].replica.configuration_at(boundary - 1).members == (0, 1, 2)
    assert not c.nodes[2].replica.is_member
    c.crash(2)
    before = c.nodes[0].replica.next_slot
    for seq in range(3):
        _decide_one(c, seq % 2, seq + 1)
    assert c.nodes[0].replica.next_slot >= before + 3
    assert c.logs()[0] == c.logs()[1]
    c2 = ScriptedCluster(3, seed=3)
    _decide_one(c2, 0, 0)
    c2.reconfigure(0, remove=(2,))
    c2.settle(30)
    for seq in range(3):
        _decide_one(c2, 0, seq + 1)
    boundary = c2.nodes[0].replica.configuration.start
    assert not [m for m in _slot_messages(c2, 2) if m.slot >= boundary]


@pytest.mark.parametrize(
    ("add", "remove"),
    [(((1, "dup"),), ()), ((), (9,)), ((), (1, 2)), (((3, "a"), (4, "b")), ())],
)
def test_invalid_change_is_a_noop_everywhere(
    add: tuple[tuple[int, str], ...], remove: tuple[int, ...]
) -> None:
    c = ScriptedCluster(3)
    c.reconfigure(0, add=add, remove=remove)
    c.settle(30)
    _decide_one(c, 1, 0)
    for i in range(3):
        replica = c.nodes[i].replica
        assert replica.next_slot == 2
        assert replica.configurations == (Configuration(0, 0, (0, 1, 2)),)
    assert c.logs()[0] == c.logs()[1] == c.logs()[2]


def test_joiner_catches_up_by_snapshot_across_a_change() -> None:
    c = ScriptedCluster(3, seed=11)
    _decide_one(c, 0, 0)
    c.reconfigure(0, add=((3, "host:3"),))
    c.settle(30)
    for seq in range(1, 4):
        _decide_one(c, 1, seq)
    for i in range(3):
        c.compact(i)
    slot = c.nodes[0].replica.log_start
    _, _, configs = decode_core_state(c.nodes[0].snapshot.core_state)  # type: ignore[union-attr]
    assert configs[-1].members == (0, 1, 2, 3)
    c.add_joiner(3)
    c.settle(100)
    joiner = c.nodes[3]
    assert joiner.replica.log_start == slot
    assert joiner.replica.is_member
    assert joiner.replica.configuration.members == (0, 1, 2, 3)
    assert any(isinstance(r, type(c.nodes[0].snapshot)) for r in joiner.records)
    # it takes part: with node 0 down, 1, 2 and 3 form the quorum of 3.
    c.crash(0)
    before = c.nodes[1].replica.next_slot
    _decide_one(c, 2, 10)
    c.settle(40)
    assert c.nodes[3].replica.next_slot == c.nodes[1].replica.next_slot > before
    assert [m for m in _slot_messages(c, 3) if m.slot >= before]


def test_config_changed_event_is_emitted() -> None:
    c = ScriptedCluster(3)
    c.reconfigure(0, add=((5, "h5"),))
    c.settle(30)
    events = [e for e in c.nodes[0].events if isinstance(e, ConfigChanged)]
    assert events == [ConfigChanged(0, 1, (0, 1, 2, 5), ((5, "h5"),))]


def test_coin_input_includes_the_epoch() -> None:
    c = ScriptedCluster(3, seed=5)
    c.reconfigure(0, add=((3, "h"),))
    c.settle(30)
    replica = c.nodes[0].replica
    assert replica.configuration.epoch == 1
    slot = replica.next_slot
    assert replica.configuration_at(slot).epoch == 1
    assert common_coin(5, 0, slot, 1) != common_coin(5, 1, slot, 1)  # the epoch matters here
    # Replica 0 proposes; its peers propose other batches, split their states and vote
    # '?', so replica 0 flips the phase-1 coin of a slot of epoch 1.
    replica.submit([Command(9, 0, b"x")], 100)
    a, b = Batch.of((1, 0, 99), 101, ()), Batch.of((2, 0, 99), 102, ())
    for message in (
        Proposal(slot, 1, a),
        Proposal(slot, 2, b),
        State(slot, 1, 1, 1, a.id),
        State(slot, 2, 1, 0),
        Vote(slot, 1, 1, VOTE_QUESTION, a.id),
        Vote(slot, 2, 1, VOTE_QUESTION, a.id),
    ):
        replica.step(message)
    flips = [e for e in replica.ready().events if isinstance(e, CoinFlipped)]
    assert flips == [CoinFlipped(slot, 1, common_coin(5, 1, slot, 1))]
