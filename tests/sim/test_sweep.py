"""Swarm sweeps: many seeds, every invariant checked online.

Size the sweep with environment variables (defaults in brackets):
``SIM_SEEDS_N3`` [1000] and ``SIM_SEEDS_N5`` [300] seeds, ``SIM_FIRST_SEED`` [0],
``SIM_OPS`` [60], ``SIM_CHUNK`` [25] seeds per test (chunks spread over pytest-xdist
workers). A failure prints each failing seed with its replay command.
"""

from __future__ import annotations

import os

import pytest

from rabia.testing import run_seed

FIRST = int(os.environ.get("SIM_FIRST_SEED", "0"))
OPS = int(os.environ.get("SIM_OPS", "60"))
CHUNK = max(1, int(os.environ.get("SIM_CHUNK", "25")))
SWEEPS = {
    3: int(os.environ.get("SIM_SEEDS_N3", "1000")),
    5: int(os.environ.get("SIM_SEEDS_N5", "300")),
}


def _chunks() -> list[pytest.ParameterSet]:
    out = []
    for nodes, seeds in SWEEPS.items():
        for start in range(FIRST, FIRST + seeds, CHUNK):
            stop = min(start + CHUNK, FIRST + seeds)
            out.append(pytest.param(nodes, start, stop, id=f"n{nodes}-seeds{start}-{stop - 1}"))
    return out


@pytest.mark.parametrize(("nodes", "start", "stop"), _chunks())
def test_swarm_sweep(nodes: int, start: int, stop: int) -> None:
    failures = []
    for seed in range(start, stop):
        result = run_seed(seed, nodes=nodes, ops=OPS, faults="swarm")
        if not result.ok:
            failures.append(f"{result.violations[0]}\n    replay: {result.replay_command}")
    assert not failures, "\n".join(failures)
