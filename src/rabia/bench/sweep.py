"""A sweep over writes in flight per node: every system measured at each level, in one run.

Levels go in the order given and, at each level, the systems one after the other, so
a drift of the machine during the sweep touches every system alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rabia.bench.config import BenchConfig
from rabia.bench.results import BenchResult


@dataclass(frozen=True, slots=True)
class Sweep:
    """The results of a sweep: per system (its label), one result per level."""

    levels: tuple[int, ...]
    series: dict[str, list[BenchResult]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the levels, every result, and the first system's throughput
        over each other system's, level by level."""
        names = list(self.series)
        first = self.series[names[0]] if names else []
        ratios = {
            other: [
                round(a.throughput_ops / b.throughput_ops, 3) if b.throughput_ops else None
                for a, b in zip(first, self.series[other], strict=True)
            ]
            for other in names[1:]
        }
        return {
            "sweep": list(self.levels),
            "series": {name: [r.to_json() for r in rs] for name, rs in self.series.items()},
            "ratio": ratios,
        }


def parse_levels(text: str) -> tuple[int, ...]:
    """Parse "10,100,1000" into (10, 100, 1000): distinct positive integers, in order."""
    try:
        levels = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"expected comma-separated integers, like 10,100,1000: {text!r}") from None
    if any(level < 1 for level in levels):
        raise ValueError(f"every level must be >= 1: {text!r}")
    if len(set(levels)) != len(levels):
        raise ValueError(f"a level is given twice: {text!r}")
    return levels


def sweep_plan(configs: Sequence[BenchConfig], levels: Sequence[int]) -> list[BenchConfig]:
    """Level by level, each system at that level (throughput mode)."""
    return [
        dataclasses.replace(config, mode="throughput", concurrency=level)
        for level in levels
        for config in configs
    ]


def collect(levels: Sequence[int], results: Sequence[BenchResult]) -> Sweep:
    """Group the results of :func:`sweep_plan`'s runs, in its order, into a :class:`Sweep`."""
    series: dict[str, list[BenchResult]] = {}
    for result in results:
        series.setdefault(result.system, []).append(result)
    return Sweep(tuple(levels), series)
