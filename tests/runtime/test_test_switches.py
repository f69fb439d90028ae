"""Test-only switches read by ``rabia node`` at start: broken builds and clock skew."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from rabia.runtime import unsafe
from rabia.runtime.clock import SkewedClock, clock_from_environ, wall_clock
from rabia.runtime.config import NodeConfig


def test_broken_builds_are_refused_unless_allowed() -> None:
    assert unsafe.from_environ({}) == frozenset()
    with pytest.raises(ValueError, match="RABIA_ALLOW_UNSAFE=1"):
        unsafe.from_environ({"RABIA_UNSAFE": "no-dedup"})
    allowed = {"RABIA_UNSAFE": "no-dedup, stale-reads", "RABIA_ALLOW_UNSAFE": "1"}
    assert unsafe.from_environ(allowed) == {"no-dedup", "stale-reads"}
    with pytest.raises(ValueError, match="unknown fast"):
        unsafe.from_environ({"RABIA_UNSAFE": "fast", "RABIA_ALLOW_UNSAFE": "1"})
    with pytest.raises(ValueError, match="unknown unsafe"):
        NodeConfig(0, {0: "127.0.0.1:1"}, unsafe=frozenset({"nope"}))


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


def test_clock_skew_from_a_fixed_offset_and_from_a_file(tmp_path: Path) -> None:
    assert clock_from_environ({}) is wall_clock
    ahead = clock_from_environ({"RABIA_CLOCK_OFFSET_MS": "60000"})
    assert 59_000_000 < ahead() - wall_clock() < 61_000_000
    with pytest.raises(ValueError, match="milliseconds"):
        clock_from_environ({"RABIA_CLOCK_OFFSET_MS": "soon"})

    path = tmp_path / "offset"
    clock = SkewedClock(path=path, recheck=0.0)
    assert abs(clock() - wall_clock()) < 1_000_000  # no file yet: no offset
    path.write_text("-3600000\n")
    assert clock() - wall_clock() < -3_599_000_000
    path.write_text("not a number")
    clock()
    assert clock.offset_us == -3_600_000_000  # kept the last good offset
    path.write_text("0")
    before = time.time_ns() // 1000
    assert clock() >= before
