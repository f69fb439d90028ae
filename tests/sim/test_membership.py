"""Membership changes under load in the simulator, and the monitor's membership checks."""

from __future__ import annotations

from rabia.core.messages import Batch, Proposal
from rabia.core.ready import ConfigChanged
from rabia.testing import run_seed
from rabia.testing.invariants import SafetyMonitor


def test_swarm_runs_reconfigure_safely() -> None:
    results = [run_seed(seed, nodes=3) for seed in range(12)]
    assert all(r.ok for r in results), [r.violations[0] for r in results if not r.ok]
    assert any(r.epochs > 0 for r in results)


def test_monitor_catches_a_non_member_speaking() -> None:
    monitor = SafetyMonitor((0, 1, 2))
    monitor.config_changed(0, ConfigChanged(4, 1, (0, 1), ()))
    batch = Batch((2, 0, 0), 1, b"")
    monitor.sent(2, Proposal(4, 2, batch))
    assert monitor.ok
    monitor.sent(2, Proposal(5, 2, batch))
    assert monitor.violations[0].startswith("membership:")


def test_monitor_catches_disagreeing_configurations() -> None:
    monitor = SafetyMonitor((0, 1, 2))
    monitor.config_changed(0, ConfigChanged(4, 1, (0, 1), ()))
    monitor.config_changed(1, ConfigChanged(4, 1, (0, 1, 2, 3), ()))
    assert monitor.violations[0].startswith("configuration:")
    monitor = SafetyMonitor((0, 1, 2))
    monitor.config_changed(0, ConfigChanged(4, 1, (0, 1), ()))
    monitor.slot_config(1, 6, monitor.config_at(2))
    assert monitor.violations[0].startswith("configuration:")
