"""The charts of ``rabia bench``, from its figures to a file.

* :func:`plot_sweep`: throughput (x) against p50 and p99 latency (y, log scale), one
  curve per system and percentile, each point labelled with its writes in flight.
* :func:`plot_run`: one run, bars: throughput per system, and its latency percentiles.

The file is SVG or a self-contained HTML page (plot and table), by its extension.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rabia.bench.plotting import Caption, new_figure, plain, write
from rabia.bench.results import BenchResult
from rabia.bench.tables import (
    RUN_PERCENTILES,
    SWEEP_PERCENTILES,
    millis,
    rate,
    ratio,
    run_table,
    sweep_table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_LINE_STYLES = {"p50": ("-", "o"), "p99": ("--", "s")}


def slug(name: str) -> str:
    """An SVG id from a series name: "rabia (always)" -> "rabia-always"."""
    return re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


def log_ms_axis(ax: Axes) -> None:
    """Log-scale y axis in ms, ticks as plain numbers; 2s and 5s labelled on short spans."""
    ax.set_yscale("log")

    def minor(value: float, _pos: float) -> str:
        low, high = ax.get_ylim()
        if value <= 0 or low <= 0 or high / low > 100:
            return ""
        lead = round(value / 10 ** math.floor(math.log10(value)))
        return millis(value) if lead in (2, 5) else ""

    ax.yaxis.set_major_formatter(lambda value, _pos: millis(value))
    ax.yaxis.set_minor_formatter(minor)


def sweep_figure(series: Mapping[str, Sequence[BenchResult]], caption: Caption) -> Figure:
    """Throughput against p50/p99 latency, one curve per system and percentile."""
    figure = new_figure(8.5, 5.8)
    ax = figure.add_subplot()
    for index, (name, results) in enumerate(series.items()):
        color = f"C{index}"
        points = sorted(results, key=lambda r: r.concurrency)
        xs = [r.throughput_ops for r in points]
        for label, value in SWEEP_PERCENTILES:
            style, marker = _LINE_STYLES[label]
            (line,) = ax.plot(
                xs,
                [value(r) for r in points],
                linestyle=style,
                marker=marker,
                color=color,
                label=plain(f"{name} {label}"),
            )
            line.set_gid(f"{slug(name)}-{label}")
        for r in points:
            ax.annotate(
                f"{r.concurrency:,}",
                (r.throughput_ops, r.p50_ms),
                xytext=(5, -11),
                textcoords="offset points",
                fontsize=7,
                color=color,
            )
    log_ms_axis(ax)
    ax.set_xlabel("throughput (writes/s, all nodes)")
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title("Throughput against latency (points: writes in flight per node)", fontsize=10)
    ax.xaxis.set_major_formatter(lambda value, _pos: rate(value))
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8)
    figure.suptitle(plain(caption.text()), fontsize=9)
    return figure


def plot_sweep(
    series: Mapping[str, Sequence[BenchResult]], caption: Caption, path: str | Path
) -> None:
    """Write a sweep's chart (and, for HTML, its table) to ``path``."""
    if not series or not all(series.values()):
        raise ValueError("a sweep needs at least one point per system")
    title = "rabia bench: throughput against latency"
    write(sweep_figure(series, caption), title, sweep_table(series), caption, path)


def _throughput_bars(ax: Axes, results: Sequence[BenchResult]) -> None:
    names = [plain(r.system) for r in results]
    values = [r.throughput_ops for r in results]
    bars = ax.bar(names, values, color=[f"C{i}" for i in range(len(results))])
    ax.bar_label(bars, labels=[rate(v) for v in values], fontsize=8)
    ax.set_ylabel("throughput (writes/s, all nodes)")
    ax.yaxis.set_major_formatter(lambda value, _pos: rate(value))
    ratios = [
        f"{results[0].system} / {r.system} = {ratio(values[0], v)}"
        for r, v in zip(results[1:], values[1:], strict=True)
    ]
    ax.set_title(plain("Throughput" + ("\n" + "; ".join(ratios) if ratios else "")), fontsize=10)


def _latency_bars(ax: Axes, results: Sequence[BenchResult]) -> None:
    width = 0.8 / len(results)
    for index, r in enumerate(results):
        values = [value(r) for _, value in RUN_PERCENTILES]
        xs = [i + (index - (len(results) - 1) / 2) * width for i in range(len(values))]
        bars = ax.bar(xs, values, width, label=plain(r.system), color=f"C{index}")
        ax.bar_label(bars, labels=[millis(v) for v in values], fontsize=7)
    ax.set_xticks(range(len(RUN_PERCENTILES)), [label for label, _ in RUN_PERCENTILES])
    log_ms_axis(ax)
    ax.set_ylabel("latency (ms, log scale)")
    ax.set_title("Latency percentiles", fontsize=10)
    ax.legend(fontsize=8)


def run_figure(results: Sequence[BenchResult], caption: Caption) -> Figure:
    """Two panels of bars: throughput per system, latency percentiles per system."""
    figure = new_figure(9.5, 5.0)
    left, right = figure.subplots(1, 2)
    _throughput_bars(left, results)
    _latency_bars(right, results)
    figure.suptitle(plain(caption.text()), fontsize=9)
    return figure


def plot_run(results: Sequence[BenchResult], caption: Caption, path: str | Path) -> None:
    """Write one run's chart (and, for HTML, its table) to ``path``."""
    if not results:
        raise ValueError("no results to plot")
    title = "rabia bench: " + ", ".join(r.system for r in results)
    write(run_figure(results, caption), title, run_table(results), caption, path)
