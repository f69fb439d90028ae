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


def _fixed(digits: int) -> Callable[[float], str]:
    return lambda value: f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def comparison_table(
    results: Sequence[BenchResult], pairs: Sequence[tuple[int, int]] = ()
) -> Table:
    """One column per system and one per ``(a, b)`` in ``pairs`` (``results[a]`` over
    ``results[b]``); one row per figure: throughput, latency percentiles, the CPU per
    operation, each node's p50 in latency mode, then the protocol's ratios and counts."""
    first = results[0]
    headers = ("metric", *(r.system for r in results))
    headers += tuple(f"{results[a].system} / {results[b].system}" for a, b in pairs)
    rows: list[tuple[str, ...]] = []

    def row(name: str, values: Sequence[float | None], fmt: Callable[[float], str]) -> None:
        cells = ["-" if v is None else fmt(v) for v in values]
        for a, b in pairs:
            x, y = values[a], values[b]
            cells.append(f"{x / y:.2f}x" if x is not None and y else "-")
        rows.append((name, *cells))

    def text_row(name: str, values: Sequence[str]) -> None:
        rows.append((name, *values, *("" for _ in pairs)))

    noun = "writes" if first.op == "write" else "reads"
    row(f"throughput ({noun}/s)", [r.throughput_ops for r in results], _fixed(0))
    for label, value in RUN_PERCENTILES:
        row(f"{label} (ms)", [value(r) for r in results], _fixed(3))
    row("mean (ms)", [r.mean_ms for r in results], _fixed(3))
    if any(r.cpu_us_per_op is not None for r in results):
        row(
            f"CPU per {noun[:-1]}, all nodes (µs)",
            [r.cpu_us_per_op for r in results],
            _fixed(1),
        )
    if first.mode == "latency":
        nodes = [{n.node_id: n for n in r.per_node} for r in results]
        for node in first.per_node:
            found = [by_id.get(node.node_id) for by_id in nodes]
            leaders = "".join(
                f", {r.system} leader"
                for r, n in zip(results, found, strict=True)
                if n is not None and n.leader
            )
            row(
                f"p50 at node {node.node_id}{leaders} (ms)",
                [None if n is None else n.p50_ms for n in found],
                _fixed(3),
            )
    text_row("fast path", [_pct(r.fast_path_ratio) for r in results])
    text_row("NULL slots", [_pct(r.null_ratio) for r in results])
    text_row(f"failed {noun}", [str(r.errors) for r in results])
    text_row("event loop", [r.loop for r in results])
    return Table(headers, tuple(rows))
