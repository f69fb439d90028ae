"""Each deliberately broken build (``rabia.runtime.unsafe``) is caught by the suite.

A short seeded run with a nemesis that provokes the bug; detection is probabilistic for
some, so a case tries up to three seeds (see docs/jepsen.md for measured rates).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rabia.testing.nemesis import RunConfig, run

SEEDS = (1, 2, 3)
DURATION = 8.0
CASES: dict[str, tuple[str, str, dict[str, Any], set[str]]] = {
    # broken build: (nemesis, workload, options, checks that may catch it)
    "stale-reads": ("partition-one", "register", {}, {"no stale reads", "no lost writes"}),
    "ack-before-decide": ("kill", "set", {}, {"no lost writes", "no stale reads"}),
    "no-dedup": ("kill", "append", {"think": 0.005}, {"nothing applied twice"}),
    "unsafe-fast-path": ("delay", "register", {"think": 0.005}, {"state hashes equal"}),
}


@pytest.mark.parametrize("unsafe", sorted(CASES))
def test_a_broken_build_is_caught(unsafe: str, tmp_path: Path) -> None:
    nemesis, workload, options, expected = CASES[unsafe]
    for seed in SEEDS:
        config = RunConfig(seed, nemesis, workload, duration=DURATION, unsafe=(unsafe,), **options)
        result = run(config, tmp_path / f"seed{seed}")
        assert result.error is None, result.error
        caught = {check.name for check in result.failed()}
        if caught:
            assert caught & expected, (caught, [c.detail for c in result.failed()])
            return
    pytest.fail(f"{unsafe} went unnoticed with seeds {SEEDS}")
