"""The nemesis suite on real processes: seeded runs, each drawing its nemesis and workload.

Default: 3 runs of 20 s from seed 0 (``JEPSEN_RUNS``, ``JEPSEN_DURATION``,
``JEPSEN_SEED`` change that; ``make jepsen`` runs 20 x 60 s through ``rabia jepsen``).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import pytest

from rabia.testing.nemesis import ROTATE, RunConfig, plan, run
from rabia.testing.nemesis.report import failure

SEED = int(os.environ.get("JEPSEN_SEED", "0"))
RUNS = int(os.environ.get("JEPSEN_RUNS", "3"))
DURATION = float(os.environ.get("JEPSEN_DURATION", "20"))


@pytest.mark.parametrize(
    "config",
    plan(RUNS, SEED, ROTATE, ROTATE, duration=DURATION),
    ids=lambda c: f"seed{c.seed}-{c.nemesis}-{c.workload}",
)
def test_a_nemesis_run_finds_no_violation(config: RunConfig, tmp_path: Path) -> None:
    result = run(config, tmp_path / "run")
    assert result.ok, failure(result)
    assert result.counts["ok"] >= 10 * DURATION, result.counts  # it served throughout


@pytest.mark.parametrize("durability", ["off"])
def test_kill_9_in_a_mode_without_fsync_loses_no_acknowledged_write(
    durability: str, tmp_path: Path
) -> None:
    """``off`` durability under the kill nemesis: a killed node restarts knowing the OS
    kept its appends (ADR 0010), resumes, and every check holds. Its reads go through the
    log (``--reads log``; the other runs use the default, barrier reads)."""
    (config,) = plan(
        1, SEED + 100, "kill", "set", duration=DURATION, durability=durability, reads="log"
    )
    result = run(config, tmp_path / "run")
    assert result.ok, failure(result)
    assert "--durability off --reads log" in config.replay()


def test_barrier_reads_stay_linearizable(tmp_path: Path) -> None:
    """Barrier reads (the default, ADR 0017): GETs answered without the log at every
    node, the clients sticking to their node while it is cut off; no stale read."""
    duration = min(DURATION, 10.0)
    (config,) = plan(1, SEED + 200, "partition-one", "register", duration=duration)
    config = RunConfig(**{**asdict(config), "sticky": True})
    result = run(config, tmp_path / "run")
    assert result.ok, failure(result)
    assert config.reads == "barrier" and "--reads" not in config.replay()
    assert result.counts["ok"] >= 10 * duration, result.counts
