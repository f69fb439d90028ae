"""The two-changes-behind nemesis (``rabia.testing.behind``): its plan, its cuts and
where it sends the clients, step by step on a bare network."""

from __future__ import annotations

import random

from rabia.core.membership import Configuration
from rabia.testing.behind import POLL_US, BehindNemesis, BehindPlan, draw_behind
from rabia.testing.network import Network

MEMBERS = (0, 1, 2)
NODES = (0, 1, 2, 3, 4)  # 3 and 4: spares
PLAN = BehindPlan(
    reader=0, group=(0,), removed=2, spare=3, start_us=0, hold_us=200_000, wait_us=50_000
)
BEFORE = Configuration(0, 0, MEMBERS)
ADDED = Configuration(4, 1, (0, 1, 2, 3))
REMOVED = Configuration(8, 2, (0, 1, 3))


def test_the_plan_cuts_f_members_with_the_reader_and_removes_another() -> None:
    drawn = [draw_behind(random.Random(s), range(5), (5, 6), 1_000_000) for s in range(40)]
    plans = [p for p in drawn if p is not None]
    assert 5 < len(plans) < 35, "in about half of the runs with spares"
    for plan in plans:
        assert len(plan.group) == 2 and plan.reader in plan.group
        assert plan.removed not in plan.group and plan.spare == 5
        assert plan.script == ((5, None), (None, plan.removed))
        assert plan.wait_us < 300_000, "below a client's time-out"
    assert draw_behind(random.Random(1), MEMBERS, (), 1_000_000) is None, "no spares"


def test_it_cuts_the_group_then_the_removed_member_then_joins_them() -> None:
    network = Network(NODES, random.Random(0))
    nemesis = BehindNemesis(PLAN, MEMBERS, NODES, network)
    assert nemesis.strike(0, BEFORE) == POLL_US
    assert network.is_blocked(0, 1) and network.is_blocked(3, 0)
    assert not network.is_blocked(1, 2) and not network.is_blocked(2, 3)
    assert nemesis.strike(POLL_US, ADDED) == 2 * POLL_US, "one change is not enough"
    assert nemesis.phase == "cut"
    nemesis.strike(2 * POLL_US, REMOVED)
    assert nemesis.phase == "hold"
    assert network.is_blocked(2, 1) and network.is_blocked(3, 2) and network.is_blocked(0, 2)
    assert not network.is_blocked(1, 3)
    for now in range(3 * POLL_US, 150_000, POLL_US):
        nemesis.strike(now, REMOVED)
    assert nemesis.phase == "hold", "no read at the reader yet: it holds up to hold_us"
    assert nemesis.steer(7, read=True, now=150_000) == 0
    nemesis.strike(150_000 + PLAN.wait_us - 1, REMOVED)
    assert nemesis.phase == "hold"
    assert nemesis.strike(150_000 + PLAN.wait_us, REMOVED) is None
    assert nemesis.phase == "read"
    assert not network.is_blocked(0, 2) and not network.is_blocked(2, 0), "reader and removed"
    assert network.is_blocked(0, 1) and network.is_blocked(2, 3) and network.is_blocked(4, 2)
    assert not network.is_blocked(1, 3)


def test_the_hold_ends_after_hold_us_without_reads() -> None:
    nemesis = BehindNemesis(PLAN, MEMBERS, NODES, Network(NODES, random.Random(0)))
    nemesis.strike(0, BEFORE)
    nemesis.strike(10_000, REMOVED)
    assert nemesis.strike(10_000 + PLAN.hold_us - 1, REMOVED) is not None
    assert nemesis.strike(10_000 + PLAN.hold_us, REMOVED) is None


def test_clients_go_to_the_deciding_side_and_barrier_reads_to_the_reader_while_it_holds() -> None:
    nemesis = BehindNemesis(PLAN, MEMBERS, NODES, Network(NODES, random.Random(0)))
    assert nemesis.steer(1, read=True, now=0) is None, "not started: the client chooses"
    nemesis.strike(0, BEFORE)
    assert {nemesis.steer(c, read=r, now=0) for c in range(4) for r in (True, False)} == {1, 3}
    nemesis.strike(POLL_US, REMOVED)
    assert {nemesis.steer(c, read=False, now=0) for c in range(4)} == {1, 3}
    assert nemesis.steer(1, read=True, now=0) == 0
    nemesis.heal()
    assert nemesis.steer(1, read=True, now=0) is None and nemesis.strike(0, REMOVED) is None
