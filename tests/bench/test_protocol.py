"""The harness <-> worker messages: JSON lines that round-trip."""

from __future__ import annotations

import time

import pytest

from rabia.bench.protocol import (
    PhaseResult,
    Ready,
    RunCommand,
    WorkerSpec,
    bench_value,
    decode_report,
    decode_spec,
    encode,
    window_ns,
)


def test_reports_and_specs_round_trip_as_json_lines() -> None:
    ready = Ready(node_id=1, pid=42, loop="uvloop", leader=None)
    result = PhaseResult(1, 10, 99, 0, 2.0, [[5, 3]], {"slots_decided": 7}, "asyncio", False)
    for report in (ready, result):
        line = encode(report)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert decode_report(line) == report
    spec = WorkerSpec("rabia", 2, {0: "127.0.0.1:1", 2: "127.0.0.1:2"}, "latency")
    assert decode_spec(encode(spec).decode()) == spec


def test_window_is_warmup_then_duration_from_the_shared_start() -> None:
    command = RunCommand(start_at=time.time() + 1.0, warmup=0.5, duration=2.0, concurrency=4)
    load_start, window_start, window_end = window_ns(command)
    assert load_start - time.perf_counter_ns() == pytest.approx(1e9, abs=0.1e9)
    assert window_start - load_start == 500_000_000
    assert window_end - window_start == 2_000_000_000


@pytest.mark.parametrize("size", [0, 1, 10, 25])
def test_bench_value_has_the_asked_size(size: int) -> None:
    assert bench_value(size) == (b"0123456789" * 3)[:size]
