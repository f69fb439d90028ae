"""redis-benchmark's figures for two servers (rabia, redis-server): read from its
``--csv`` output, tabled, and plotted per command with their ratio.

The plot has a panel of throughput bars per command (each tick names the ratio) and,
when the figures have them, a panel of p50/p99 latency bars (log scale).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rabia.bench.plots import log_ms_axis
from rabia.bench.plotting import Caption, new_figure, plain, write
from rabia.bench.tables import Table, millis, rate, ratio

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True, slots=True)
class CommandFigures:
    """One command against one server: requests per second, and latency when known."""

    rps: float
    p50_ms: float | None = None
    p99_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One command against both servers."""

    command: str
    ours: CommandFigures
    reference: CommandFigures


def parse_csv(text: str) -> dict[str, CommandFigures]:
    """``redis-benchmark --csv`` output -> figures per test ("SET", "GET", ...)."""
    found: dict[str, CommandFigures] = {}
    for row in csv.DictReader(io.StringIO(text.replace("\r", "\n"))):
        name, rps = row.get("test"), row.get("rps")
        if not name or not rps:
            continue

        def number(key: str, row: dict[str, str] = row) -> float | None:
            value = row.get(key)
            return float(value) if value else None

        found[name] = CommandFigures(float(rps), number("p50_latency_ms"), number("p99_latency_ms"))
    return found


def short_name(command: str) -> str:
    """The name on the axis: "LRANGE_100 (first 100 elements)" -> "LRANGE_100"."""
    return command.split(" (", 1)[0]


def _ms(value: float | None) -> str:
    return "-" if value is None else millis(value)


def comparison_table(rows: Sequence[Comparison], names: tuple[str, str]) -> Table:
    """One row per command: both servers' rates, the ratio, and p50/p99 of each."""
    ours, reference = names
    headers = (
        "command",
        f"{ours} req/s",
        f"{reference} req/s",
        f"{ours} / {reference}",
        f"{ours} p50 ms",
        f"{reference} p50 ms",
        f"{ours} p99 ms",
        f"{reference} p99 ms",
    )
    cells = tuple(
        (
            row.command,
            rate(row.ours.rps),
            rate(row.reference.rps),
            ratio(row.ours.rps, row.reference.rps),
            _ms(row.ours.p50_ms),
            _ms(row.reference.p50_ms),
            _ms(row.ours.p99_ms),
            _ms(row.reference.p99_ms),
        )
        for row in rows
    )
    return Table(headers, cells)


def _throughput_panel(ax: Axes, rows: Sequence[Comparison], names: tuple[str, str]) -> None:
    width = 0.38
    for side, name in enumerate(names):
        xs = [i + (side - 0.5) * width for i in range(len(rows))]
        heights = [(row.ours if side == 0 else row.reference).rps for row in rows]
        bars = ax.bar(xs, heights, width, color=f"C{side}", label=plain(name))
        ax.bar_label(bars, labels=[rate(h) for h in heights], fontsize=7)
    ticks = [f"{short_name(row.command)}\n{ratio(row.ours.rps, row.reference.rps)}" for row in rows]
    ax.set_xticks(range(len(rows)), [plain(t) for t in ticks])
    ax.yaxis.set_major_formatter(lambda value, _pos: rate(value))
    ax.set_ylabel("requests per second")
    ax.set_title(plain(f"Throughput (under each command: {names[0]} / {names[1]})"), fontsize=10)
    ax.legend(fontsize=8)


def _latencies(row: Comparison) -> tuple[float, float, float, float] | None:
    """(ours p50, ours p99, reference p50, reference p99), or None if one is unknown."""
    values = (row.ours.p50_ms, row.ours.p99_ms, row.reference.p50_ms, row.reference.p99_ms)
    known = tuple(v for v in values if v is not None)
    return (known[0], known[1], known[2], known[3]) if len(known) == 4 else None


def has_latency(rows: Sequence[Comparison]) -> bool:
    """Whether any command has p50 and p99 for both servers."""
    return any(_latencies(row) is not None for row in rows)


def _latency_panel(ax: Axes, rows: Sequence[Comparison], names: tuple[str, str]) -> None:
    measured = [(row, found) for row in rows if (found := _latencies(row)) is not None]
    width = 0.2
    series = [(names[0], "p50"), (names[0], "p99"), (names[1], "p50"), (names[1], "p99")]
    for index, (name, label) in enumerate(series):
        xs = [i + (index - 1.5) * width for i in range(len(measured))]
        heights = [found[index] for _, found in measured]
        p99 = label == "p99"
        bars = ax.bar(
            xs,
            heights,
            width,
            color=f"C{index // 2}",
            alpha=0.55 if p99 else 1.0,
            hatch="//" if p99 else None,
            label=plain(f"{name} {label}"),
        )
        ax.bar_label(bars, labels=[millis(h) for h in heights], fontsize=6)
    ax.set_xticks(range(len(measured)), [plain(short_name(row.command)) for row, _ in measured])
    log_ms_axis(ax)
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title("Latency percentiles", fontsize=10)
    ax.legend(fontsize=7)


def comparison_figure(
    rows: Sequence[Comparison], names: tuple[str, str], caption: Caption
) -> Figure:
    """Throughput bars per command and, when known, latency bars."""
    latency = has_latency(rows)
    figure = new_figure(10.0 if latency else 6.0, 5.0)
    axes = figure.subplots(1, 2 if latency else 1, squeeze=False)[0]
    _throughput_panel(axes[0], rows, names)
    if latency:
        _latency_panel(axes[1], rows, names)
    figure.suptitle(plain(caption.text()), fontsize=9)
    return figure


def plot_comparison(
    rows: Sequence[Comparison],
    caption: Caption,
    path: str | Path,
    names: tuple[str, str] = ("rabia", "redis-server"),
) -> None:
    """Write the chart of ``rows`` (and, for HTML, its table) to ``path``."""
    if not rows:
        raise ValueError("no commands to plot")
    title = f"redis-benchmark: {names[0]} against {names[1]}"
    figure = comparison_figure(rows, names, caption)
    write(figure, title, comparison_table(rows, names), caption, path)
