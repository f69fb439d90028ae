"""A sweep's levels, its plan (level by level, every system at each), and its results."""

from __future__ import annotations

import pytest

from rabia.bench.config import BenchConfig
from rabia.bench.sweep import collect, parse_levels, sweep_plan
from tests.bench.helpers import result


def test_parse_levels() -> None:
    assert parse_levels("10,100,1000,5000") == (10, 100, 1000, 5000)
    assert parse_levels(" 20 ,10") == (20, 10)  # the order given
    for bad in ("", "10,,20", "ten", "0,10", "10,10", "-5"):
        with pytest.raises(ValueError):
            parse_levels(bad)


def test_plan_interleaves_systems_level_by_level_in_throughput_mode() -> None:
    configs = [BenchConfig(mode="latency"), BenchConfig(system="pysyncobj", duration=3.0)]
    plan = sweep_plan(configs, [100, 10])
    assert [(c.system, c.concurrency, c.mode) for c in plan] == [
        ("rabia", 100, "throughput"),
        ("pysyncobj", 100, "throughput"),
        ("rabia", 10, "throughput"),
        ("pysyncobj", 10, "throughput"),
    ]
    assert plan[1].duration == 3.0  # everything else kept


def test_collect_groups_by_system_and_reports_ratios() -> None:
    results = [
        result("rabia", 100, 120_000, 2, 9),
        result("pysyncobj", 100, 3_000, 100, 140),
        result("rabia", 1000, 183_600, 15, 40),
        result("pysyncobj", 1000, 0, 0, 0),
    ]
    swept = collect([100, 1000], results)
    assert swept.levels == (100, 1000)
    assert list(swept.series) == ["rabia", "pysyncobj"]
    assert [r.concurrency for r in swept.series["pysyncobj"]] == [100, 1000]
    doc = swept.to_json()
    assert doc["sweep"] == [100, 1000]
    assert doc["ratio"] == {"pysyncobj": [40.0, None]}
    assert doc["series"]["rabia"][1]["throughput_ops"] == 183_600
    assert collect([5], [result("rabia", 5, 10, 1, 2)]).to_json()["ratio"] == {}
