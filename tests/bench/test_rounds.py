"""Rounds: interleaved plans, per-run medians and paired ratios."""

from __future__ import annotations

import dataclasses

import pytest

from rabia.bench.config import BenchConfig
from rabia.bench.rounds import by_run, interleaved, median_result, paired_ratios
from tests.bench.helpers import result


def test_a_plan_interleaves_the_runs() -> None:
    a, b = BenchConfig(system="rabia"), BenchConfig(system="pysyncobj")
    assert interleaved([a, b], 3) == [a, b, a, b, a, b]


def test_results_group_back_per_run_and_refuse_partial_rounds() -> None:
    runs = [result(name, 10, rate, 1.0, 2.0) for rate in (1, 2, 3) for name in ("a", "b")]
    grouped = by_run(runs, 2)
    assert [[r.system for r in g] for g in grouped] == [["a"] * 3, ["b"] * 3]
    with pytest.raises(ValueError, match="no whole rounds"):
        by_run(runs[:5], 2)


def test_each_figure_is_its_own_median_and_counts_add_up() -> None:
    rounds = [
        dataclasses.replace(result("a", 10, 100.0, 1.0, 9.0), cpu_us_per_op=5.0),
        dataclasses.replace(result("a", 10, 300.0, 3.0, 7.0), cpu_us_per_op=None),
        dataclasses.replace(result("a", 10, 200.0, 2.0, 8.0), cpu_us_per_op=7.0),
    ]
    merged = median_result(rounds)
    assert (merged.throughput_ops, merged.p50_ms, merged.p99_ms) == (200.0, 2.0, 8.0)
    assert merged.cpu_us_per_op == 6.0  # the median of the rounds that measured it
    assert merged.completed == sum(r.completed for r in rounds)


def test_paired_ratios_compare_runs_of_the_same_round() -> None:
    grouped = [
        [result("a", 10, 100.0, 1, 2), result("a", 10, 200.0, 1, 2)],
        [result("b", 10, 50.0, 1, 2), result("b", 10, 0.0, 1, 2)],
    ]
    assert paired_ratios(grouped, 0, 1) == [2.0, None]
