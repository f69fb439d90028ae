"""Rounds: the same runs repeated, interleaved, and each figure's median over them.

These machines drift (the same loop takes up to 1.6x as long from one minute to the
next), so one run per system can mislead. ``--rounds N`` runs the whole plan N times in
turn (A B A B ...) and reports, per run, the median of each figure; the ratio of two
runs in the same round is also kept, since neighbours in time share the drift."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from typing import Any

from rabia.bench.config import BenchConfig
from rabia.bench.results import BenchResult

FIGURES = (
    "throughput_ops",
    "p50_ms",
    "p99_ms",
    "p999_ms",
    "mean_ms",
    "cpu_us_per_op",
    "fast_path_ratio",
    "null_ratio",
)
"""The figures whose median over the rounds is reported."""


def interleaved(configs: Sequence[BenchConfig], rounds: int) -> list[BenchConfig]:
    """The plan of ``rounds`` rounds: every config once per round, in order."""
    return [config for _ in range(rounds) for config in configs]


def by_run(results: Sequence[BenchResult], width: int) -> list[list[BenchResult]]:
    """The results of an interleaved plan of ``width`` configs, grouped per config."""
    if width <= 0 or len(results) % width:
        raise ValueError(f"{len(results)} results are no whole rounds of {width}")
    return [list(results[i::width]) for i in range(width)]


def median_result(rounds: Sequence[BenchResult]) -> BenchResult:
    """One config's rounds as one result: each figure's median (the middle round by
    throughput gives the rest: per-node figures, loop), counts summed over the rounds."""
    middle = sorted(rounds, key=lambda r: r.throughput_ops)[(len(rounds) - 1) // 2]
    medians: dict[str, Any] = {}
    for name in FIGURES:
        values = [v for r in rounds if (v := getattr(r, name)) is not None]
        medians[name] = statistics.median(values) if values else None
    return dataclasses.replace(
        middle,
        completed=sum(r.completed for r in rounds),
        errors=sum(r.errors for r in rounds),
        **medians,
    )


def paired_ratios(
    grouped: Sequence[Sequence[BenchResult]], a: int, b: int, figure: str = "throughput_ops"
) -> list[float | None]:
    """Per round, run ``a``'s ``figure`` over run ``b``'s (None where one is missing)."""
    ratios: list[float | None] = []
    for x, y in zip(grouped[a], grouped[b], strict=True):
        top, bottom = getattr(x, figure), getattr(y, figure)
        ratios.append(top / bottom if top is not None and bottom else None)
    return ratios
