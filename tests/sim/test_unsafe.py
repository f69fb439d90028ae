"""The checks can fail: each test-only bug switch must be caught by some seed.

A swarm sweep that never fails proves little unless the same sweep catches known
bugs. Each test scans seeds until the first violation (usually within a few).
"""

from __future__ import annotations

import pytest

from rabia.core.config import UnsafeSwitches
from rabia.testing import run_seed


def first_violation(
    switches: UnsafeSwitches, nodes: int, seeds: list[int], ops: int = 60
) -> str | None:
    for seed in seeds:
        result = run_seed(seed, nodes=nodes, ops=ops, unsafe=switches)
        if not result.ok:
            return f"{result.violations[0]} ({result.replay_command})"
    return None


@pytest.mark.parametrize(
    ("switch", "nodes", "budget", "expect"),
    [
        ("round1_fast_path", 5, 60, ("lock:", "agreement:", "binary decisions")),
        ("local_coin", 5, 40, ("coin:",)),
        ("idle_never_joins", 3, 40, ("liveness",)),
        ("forget_sent", 3, 150, ("equivocation",)),
        # Pitfalls C2/C3: a decider of 1 cannot find the batch once the lone witness of
        # the majority is gone (the split killer strikes it; see FaultPlan.split_killer).
        ("no_candidate", 3, 200, ("liveness", "stuck slot")),
        ("drop_late_proposals", 3, 200, ("liveness", "stuck slot")),
    ],
)
def test_switch_is_caught(switch: str, nodes: int, budget: int, expect: tuple[str, ...]) -> None:
    found = first_violation(UnsafeSwitches(**{switch: True}), nodes, list(range(budget)))
    assert found is not None, f"{switch}: no violation in {budget} seeds at n={nodes}"
    assert found.startswith(expect), found


@pytest.mark.parametrize(
    ("switch", "ops", "budget"),
    [
        # The reader answers from its own state: stale wherever it trails (a laggard).
        ("barrier_short_quorum", 60, 60),
        # A read joins a barrier whose answers predate a write acknowledged before it.
        ("barrier_late_join", 100, 150),
        # A reader two changes behind, answered by a removed member (the behind nemesis).
        ("barrier_no_restart", 60, 60),
    ],
)
def test_barrier_switch_is_caught_by_the_linearizability_check(
    switch: str, ops: int, budget: int
) -> None:
    found = first_violation(UnsafeSwitches(**{switch: True}), 3, list(range(budget)), ops)
    assert found is not None, f"{switch}: no violation in {budget} seeds"
    assert found.startswith("linearizability:"), found
