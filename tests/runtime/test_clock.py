"""Clock skew for fault injection: a fixed offset, or one read from a file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rabia.runtime.clock import SkewedClock, clock_from_environ, wall_clock


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
