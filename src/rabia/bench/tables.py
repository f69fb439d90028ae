"""Benchmark figures as text: number formats, ratios, and the tables of a run or a sweep.

The same :class:`Table` is printed by ``rabia bench`` and shown under an HTML plot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rabia.bench.results import BenchResult

Percentile = tuple[str, Callable[[BenchResult], float]]
SWEEP_PERCENTILES: tuple[Percentile, ...] = (
    ("p50", lambda r: r.p50_ms),
    ("p99", lambda r: r.p99_ms),
)
RUN_PERCENTILES: tuple[Percentile, ...] = (
    *SWEEP_PERCENTILES,
    ("p99.9", lambda r: r.p999_ms),
)


@dataclass(frozen=True, slots=True)
class Table:
    """Headers and rows of text."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def rate(value: float) -> str:
    """A rate as shown: "183,600"."""
    return f"{value:,.0f}"


def millis(value: float) -> str:
    """A latency in ms as shown: three significant digits, no exponent ("0.31", "146")."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def ratio(ours: float, theirs: float) -> str:
    """``ours / theirs`` as shown ("14.5x", "0.029x"), or "-" when ``theirs`` is 0."""
    if not theirs:
        return "-"
    value = ours / theirs
    return f"{value:.3g}x" if value < 1 else f"{value:.1f}x"


def sweep_table(series: Mapping[str, Sequence[BenchResult]]) -> Table:
    """One row per level of writes in flight: each system's figures, then the ratios of
    the first system's throughput to each other's."""
    names = list(series)
    headers = ["in flight/node"]
    for name in names:
        headers += [f"{name} writes/s", f"{name} p50 ms", f"{name} p99 ms"]
    headers += [f"{names[0]} / {other}" for other in names[1:]]
    by_level = {name: {r.concurrency: r for r in results} for name, results in series.items()}
    levels = sorted({level for found in by_level.values() for level in found})
    rows = []
    for level in levels:
        cells = [f"{level:,}"]
        found = [by_level[name].get(level) for name in names]
        for r in found:
            figures = None if r is None else (r.throughput_ops, r.p50_ms, r.p99_ms)
            cells += ["-"] * 3 if figures is None else [rate(figures[0]), *map(millis, figures[1:])]
        ours = found[0]
        for theirs in found[1:]:
            if ours is None or theirs is None:
                cells.append("-")
            else:
                cells.append(ratio(ours.throughput_ops, theirs.throughput_ops))
        rows.append(tuple(cells))
    return Table(tuple(headers), tuple(rows))


def run_table(results: Sequence[BenchResult]) -> Table:
    """One row per system, then a row of ratios to the first for each other system."""
    headers = ("system", "writes/s", "p50 ms", "p99 ms", "p99.9 ms", "mean ms", "in flight/node")
    rows = [
        (
            r.system,
            rate(r.throughput_ops),
            *(millis(value(r)) for _, value in RUN_PERCENTILES),
            millis(r.mean_ms),
            f"{r.concurrency:,}",
        )
        for r in results
    ]
    ours = results[0]
    for other in results[1:]:
        rows.append(
            (
                f"{ours.system} / {other.system}",
                ratio(ours.throughput_ops, other.throughput_ops),
                *(ratio(value(ours), value(other)) for _, value in RUN_PERCENTILES),
                ratio(ours.mean_ms, other.mean_ms),
                "",
            )
        )
    return Table(headers, tuple(rows))
