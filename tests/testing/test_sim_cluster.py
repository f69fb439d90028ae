"""One simulated cluster (``rabia.testing.sim_cluster``): wiring from the seed, the run."""

from __future__ import annotations

import random

import pytest

from rabia.core.replica import Replica
from rabia.testing import Cluster
from rabia.testing.sim_cluster import TICK_US, draw_compaction


def test_plan_is_drawn_from_the_seed() -> None:
    assert Cluster(8, 5).plan == Cluster(8, 5).plan
    assert {Cluster(s, 3).plan.durability for s in range(30)} == {"always", "batch", "off"}


def test_bad_run_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        Cluster(1, 3, faults="chaos")
    with pytest.raises(ValueError):
        Cluster(1, 3, faults="none", durability="off")


def test_compaction_is_off_in_a_quarter_of_the_runs() -> None:
    rng = random.Random(4)
    drawn = [draw_compaction(rng) for _ in range(400)]
    assert set(drawn) == {0, 4, 8, 16, 32, 64}
    assert 60 < drawn.count(0) < 140
    assert Cluster(8, 3, faults="none").compact_every == 0


def test_zero_ops_run_quiesces() -> None:
    r = Cluster(1, 3, ops=0, faults="none").run()
    assert r.ok and r.slots == 0 and r.acked == 0
    assert r.virtual_us == 1_000_000  # done at once, then quiet for quiet_us
    assert r.virtual_us % TICK_US == 0  # the end is checked on a tick


def test_unacknowledged_requests_after_the_deadline_are_a_liveness_violation() -> None:
    r = Cluster(3, 3, ops=60, faults="none", ack_deadline_us=0).run()
    assert not r.ok and r.violations[0].startswith("liveness: not acknowledged")


def test_an_exception_in_a_node_is_a_finding_not_a_simulator_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: Replica, message: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Replica, "step", broken)
    r = Cluster(3, 3, ops=10, faults="none").run()
    assert len(r.violations) == 1 and "RuntimeError: boom" in r.violations[0]
