"""Merging what the workers measured into one result, and its JSON form."""

from __future__ import annotations

import msgspec
import pytest

from rabia.bench.config import BenchConfig
from rabia.bench.histogram import Histogram
from rabia.bench.protocol import PhaseResult
from rabia.bench.results import merge_phases

MS = 1_000_000


def report(node_id: int, latencies_ms: list[int], **stats: int) -> PhaseResult:
    hist = Histogram()
    for ms in latencies_ms:
        hist.record(ms * MS)
    return PhaseResult(
        node_id=node_id,
        concurrency=1,
        completed=len(latencies_ms),
        errors=node_id,
        window_s=2.0,
        hist=hist.to_pairs(),
        stats=stats,
        loop="uvloop",
        leader=node_id == 0 or None,
    )


def test_throughput_merges_every_node_of_the_one_phase() -> None:
    config = BenchConfig(nodes=2, concurrency=8)
    phase = [
        report(0, [1] * 30, slots_decided=10, fast_path=9, null_slots=1),
        report(1, [3] * 10, slots_decided=10, fast_path=8),
    ]
    result = merge_phases(config, [(-1, phase)], "uvloop")
    assert (result.system, result.mode, result.nodes, result.concurrency) == (
        "rabia",
        "throughput",
        2,
        8,
    )
    assert (result.completed, result.errors, result.duration_s) == (40, 1, 2.0)
    assert result.throughput_ops == 20.0
    assert result.p50_ms == pytest.approx(1, rel=0.01)
    assert result.p99_ms == pytest.approx(3, rel=0.01)
    assert result.fast_path_ratio == 17 / 20 and result.null_ratio == 1 / 20
    assert [(n.node_id, n.completed, n.leader) for n in result.per_node] == [
        (0, 30, True),
        (1, 10, None),
    ]


def test_latency_mode_reports_each_node_from_its_own_phase() -> None:
    config = BenchConfig(nodes=2, mode="latency", system="pysyncobj", concurrency=8)
    phases = [
        (0, [report(0, [1] * 20), report(1, [])]),
        (1, [report(0, []), report(1, [4] * 10)]),
    ]
    result = merge_phases(config, phases, "asyncio")
    assert result.concurrency == 1  # latency mode keeps one write in flight
    assert result.duration_s == 4.0 and result.completed == 30
    assert result.fast_path_ratio is None and result.null_ratio is None  # no slot counters
    assert [(n.node_id, n.completed, n.throughput_ops) for n in result.per_node] == [
        (0, 20, 10.0),
        (1, 10, 5.0),
    ]
    assert result.per_node[1].p50_ms == pytest.approx(4, rel=0.01)


def test_json_form() -> None:
    result = merge_phases(BenchConfig(nodes=1), [(-1, [report(0, [2] * 5)])], "uvloop")
    doc = result.to_json()
    assert doc["system"] == "rabia" and doc["loop"] == "uvloop" and doc["op"] == "write"
    assert doc["throughput_ops"] == 2.5
    assert doc["max_node_p50_ms"] == doc["per_node"][0]["p50_ms"]
    assert doc["per_node"] == [
        {
            "node_id": 0,
            "throughput_ops": 2.5,
            "p50_ms": doc["p50_ms"],
            "p99_ms": doc["p99_ms"],
            "errors": 0,
            "leader": True,
        }
    ]


def test_cpu_per_operation_sums_every_node_over_every_completed_operation() -> None:
    config = BenchConfig(nodes=2, mode="latency", api="objects")

    def phases(idle_cpu: float | None) -> list[tuple[int, list[PhaseResult]]]:
        def cpu(r: PhaseResult, seconds: float | None) -> PhaseResult:
            return msgspec.structs.replace(r, cpu_s=seconds)

        return [
            (0, [cpu(report(0, [1] * 20), 0.003), cpu(report(1, []), idle_cpu)]),
            (1, [cpu(report(0, []), idle_cpu), cpu(report(1, [1] * 20), 0.001)]),
        ]

    unknown = merge_phases(config, phases(None), "uvloop")
    assert unknown.cpu_us_per_op is None, "a worker that did not measure: no figure"
    result = merge_phases(config, phases(0.002), "uvloop")
    assert result.cpu_us_per_op == pytest.approx((0.003 + 0.002 + 0.002 + 0.001) / 40 * 1e6)
    assert (result.api, result.to_json()["cpu_us_per_op"]) == ("objects", 200.0)
    assert merge_phases(BenchConfig(system="pysyncobj"), phases(0.0), "x").api is None
