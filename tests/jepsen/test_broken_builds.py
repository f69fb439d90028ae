"""Each deliberately broken build (``rabia.runtime.unsafe``) is caught by the suite.

A short seeded run with a nemesis and a load shape that provoke the bug. Detection is
probabilistic (rates measured per run in docs/jepsen.md), so a case tries up to four
seeds and passes at the first detection; a healthy cluster serves within a second of the
heal, so the broken ones get 5 s (some wedge for good).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rabia.testing.nemesis import RunConfig, run

SEEDS = (1, 2, 3, 4)
DURATION = 8.0
CASES: dict[str, tuple[str, str, dict[str, Any], set[str]]] = {
    # broken build: (nemesis, workload, options, checks that may catch it)
    "stale-reads": (
        "partition-one",
        "register",
        {"sticky": True},  # clients keep reading at the cut-off node
        {"no stale reads", "no lost writes"},
    ),
    "ack-before-decide": (
        "delay",
        "register",
        {"think": 0.005},
        {"no stale reads", "no lost writes"},
    ),
    "no-dedup": (
        "pause",
        "append",
        {"think": 0.005, "timeout": 0.5},  # retries at other nodes while the first waits
        {"nothing applied twice"},
    ),
    "unsafe-fast-path": (
        "delay",
        "register",
        {"think": 0.005},
        {"state hashes equal"},
    ),
}


@pytest.mark.parametrize("unsafe", sorted(CASES))
def test_a_broken_build_is_caught(unsafe: str, tmp_path: Path) -> None:
    nemesis, workload, options, expected = CASES[unsafe]
    for seed in SEEDS:
        config = RunConfig(
            seed,
            nemesis,
            workload,
            duration=DURATION,
            unsafe=(unsafe,),
            heal_timeout=5.0,
            **options,
        )
        result = run(config, tmp_path / f"seed{seed}")
        assert result.error is None, result.error
        caught = {check.name for check in result.failed()}
        if caught:
            assert caught & expected, (caught, [c.detail for c in result.failed()])
            return
    pytest.fail(f"{unsafe} went unnoticed with seeds {SEEDS}")
