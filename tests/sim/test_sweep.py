"""Swarm sweeps: many seeds, every invariant checked online.

Size the sweep with environment variables (defaults in brackets):
``SIM_SEEDS_N3`` [1000] and ``SIM_SEEDS_N5`` [300] seeds, ``SIM_FIRST_SEED`` [0],
``SIM_OPS`` [60], ``SIM_CHUNK`` [25] seeds per test (chunks spread over pytest-xdist
workers). ``SIM_SEEDS_FORCED`` [150] more seeds at n=3 for each of ``batch`` and ``off``
with crash-restarts in every run (``rabia sim --durability``). A failure prints each
failing seed with its replay command.
"""

from __future__ import annotations

import os

import pytest

from rabia.testing import run_seed
from rabia.testing.storage import SyncMode

FIRST = int(os.environ.get("SIM_FIRST_SEED", "0"))
OPS = int(os.environ.get("SIM_OPS", "60"))
CHUNK = max(1, int(os.environ.get("SIM_CHUNK", "25")))
FORCED = int(os.environ.get("SIM_SEEDS_FORCED", "150"))
SWEEPS: dict[tuple[int, SyncMode | None], int] = {
    (3, None): int(os.environ.get("SIM_SEEDS_N3", "1000")),
    (5, None): int(os.environ.get("SIM_SEEDS_N5", "300")),
    (3, "batch"): FORCED,
    (3, "off"): FORCED,
}


def _chunks() -> list[pytest.ParameterSet]:
    out = []
    for (nodes, durability), seeds in SWEEPS.items():
        label = f"n{nodes}" + (f"-{durability}" if durability else "")
        for start in range(FIRST, FIRST + seeds, CHUNK):
            stop = min(start + CHUNK, FIRST + seeds)
            out.append(
                pytest.param(nodes, durability, start, stop, id=f"{label}-seeds{start}-{stop - 1}")
            )
    return out


@pytest.mark.parametrize(("nodes", "durability", "start", "stop"), _chunks())
def test_swarm_sweep(nodes: int, durability: SyncMode | None, start: int, stop: int) -> None:
    failures = []
    for seed in range(start, stop):
        result = run_seed(seed, nodes=nodes, ops=OPS, faults="swarm", durability=durability)
        if not result.ok:
            failures.append(f"{result.violations[0]}\n    replay: {result.replay_command}")
    assert not failures, "\n".join(failures)
