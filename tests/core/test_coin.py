"""The common coin (``rabia.core.coin``)."""

from __future__ import annotations

import subprocess
import sys

from rabia.core import common_coin


def test_coin_is_the_same_in_another_process_whatever_the_hash_seed() -> None:
    here = [common_coin(7, 1, slot, phase) for slot in range(20) for phase in range(1, 4)]
    code = (
        "from rabia.core import common_coin;"
        "print([common_coin(7, 1, s, p) for s in range(20) for p in range(1, 4)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == str(here)
    assert 0 < sum(here) < len(here)  # both faces occur


def test_every_input_moves_the_coin() -> None:
    base = [common_coin(7, 1, slot, 1) for slot in range(64)]
    for other in (
        [common_coin(8, 1, slot, 1) for slot in range(64)],
        [common_coin(7, 2, slot, 1) for slot in range(64)],
        [common_coin(7, 1, slot, 2) for slot in range(64)],
    ):
        assert other != base
    assert common_coin(-1, -1, 3, 1) in (0, 1)  # negative seeds and epochs wrap
