"""Membership changes under load in the simulator (the monitor's membership checks are in
tests/testing/test_invariants.py)."""

from __future__ import annotations

from rabia.testing import run_seed


def test_swarm_runs_reconfigure_safely() -> None:
    results = [run_seed(seed, nodes=3) for seed in range(12)]
    assert all(r.ok for r in results), [r.violations[0] for r in results if not r.ok]
    assert any(r.epochs > 0 for r in results)
