"""``rabia node`` wires the broken-build switches of every layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rabia.cli.switches import UNSAFE_NAMES
from rabia.kv import unsafe as kv_unsafe
from rabia.runtime import unsafe as runtime_unsafe


def test_every_layers_switches_are_known() -> None:
    assert set(UNSAFE_NAMES) == {*runtime_unsafe.NAMES, *kv_unsafe.NAMES}
    assert len(UNSAFE_NAMES) == len(set(UNSAFE_NAMES))


def test_rabia_node_refuses_an_unallowed_broken_build(tmp_path: Path) -> None:
    env = {"RABIA_UNSAFE": "stale-reads", "PATH": "/usr/bin:/bin"}
    args = ["--id", "0", "--peer", "0=127.0.0.1:1", "--machine", "rabia.kv:KVMachine"]
    result = subprocess.run(
        [sys.executable, "-m", "rabia", "node", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**env, "PYTHONPATH": ":".join(sys.path)},
    )
    assert result.returncode != 0
    assert "RABIA_ALLOW_UNSAFE=1" in result.stderr, result.stderr
