"""Running seeds (``rabia.testing.sim``): determinism, clean runs, sweeps (``rabia sim``
itself: tests/cli/test_sim.py)."""

from __future__ import annotations

import pytest

from rabia.testing import Cluster, run_many, run_seed


@pytest.mark.parametrize(("seed", "nodes"), [(11, 3), (12, 5)])
def test_same_seed_same_run(seed: int, nodes: int) -> None:
    a = run_seed(seed, nodes=nodes, ops=40)
    b = run_seed(seed, nodes=nodes, ops=40)
    assert a == b  # every field but the CPU time, including the trace hash
    assert a.trace_hash == b.trace_hash
    assert run_seed(seed + 1, nodes=nodes, ops=40).trace_hash != a.trace_hash


def test_fault_free_run_is_clean_and_fast_pathed() -> None:
    r = run_seed(4, nodes=3, ops=60, faults="none")
    assert r.ok, r.violations
    assert sum(r.operations.values()) == 60, "every operation answered and checked"
    assert r.acked == r.operations["append"] > 0
    assert r.operations["barrier-read"] > 0 and r.operations["log-read"] > 0
    assert r.slots >= 1 and r.fast_path >= 0.9 * r.slots
    assert r.phases_max <= 3
    assert r.fault_counts == {}
    assert r.replay_command == "rabia sim --nodes 3 --seed 4 --ops 60 --faults none"


def test_run_many_yields_each_seed_in_order_with_its_cpu_time() -> None:
    results = list(run_many([5, 2], nodes=3, ops=5, faults="none"))
    assert [r.seed for r in results] == [5, 2]
    assert all(r.ok and r.cpu_seconds > 0 for r in results)
    assert results[0] == Cluster(5, 3, ops=5, faults="none").run()


def test_a_node_that_loses_its_disk_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejoining under the old identity with an empty log breaks 5b; the monitor sees it."""
    from rabia.testing.storage import MemoryStorage

    monkeypatch.setattr(MemoryStorage, "recovered", lambda self, everything=False: [])
    found = [r for r in run_many(range(60), nodes=3, ops=60) if not r.ok]
    assert found, "no seed caught a replica that forgot what it sent"
    assert any("equivocation" in r.violations[0] for r in found)


def test_some_swarm_seeds_catch_up_by_snapshot_transfer() -> None:
    results = [run_seed(seed, nodes=3, ops=60) for seed in range(30)]
    assert all(r.ok for r in results), [r.violations[0] for r in results if not r.ok]
    assert sum(r.transfers for r in results) > 0
    assert any(r.compact_every == 0 for r in results)  # some runs never compact


@pytest.mark.parametrize("mode", ["always", "batch", "off"])
def test_forced_durability_crashes_in_every_run(mode: str) -> None:
    results = list(run_many(range(12), nodes=3, ops=30, durability=mode))
    for r in results:
        assert r.ok, (r.violations, r.replay_command)
        assert r.durability == mode
        assert r.replay_command.endswith(f"--durability {mode}")
    restarts = sum(r.fault_counts.get("restart", 0) for r in results)
    power = sum(r.fault_counts.get("power loss", 0) for r in results)
    lost = sum(r.lost_records for r in results)
    if mode == "always":
        assert restarts > 0 and power == 0 and lost == 0
    else:  # both kinds of crash strike: process crashes (intact) and power losses
        assert 0 < power < restarts and lost > 0
    # forcing the mode changes nothing else the seed drew: same partitions, same timing
    drawn = Cluster(5, 3).plan
    forced = Cluster(5, 3, durability=mode).plan
    assert forced.fault_us == drawn.fault_us and forced.loss == drawn.loss
    assert "crash" in forced.enabled
