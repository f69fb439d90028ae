"""Run plans (``rabia.testing.nemesis.runner``): seeded, rotating, each run replayable alone."""

from __future__ import annotations

from rabia.testing.nemesis import NEMESES, WORKLOADS, plan


def test_plans_are_seeded_and_rotate() -> None:
    runs = plan(20, 7, "rotate", "rotate", duration=5.0)
    assert runs == plan(20, 7, "rotate", "rotate", duration=5.0)
    assert [r.seed for r in runs] == list(range(7, 27))
    assert len({r.nemesis for r in runs}) > 4 and len({r.workload for r in runs}) == len(WORKLOADS)
    assert {r.nemesis for r in runs} <= set(NEMESES)
    one = plan(1, runs[5].seed, "rotate", "rotate", duration=5.0)[0]
    assert one == runs[5]  # a run replays from its own seed alone
    assert one.replay().startswith(f"rabia jepsen --runs 1 --seed {one.seed} ")
