"""Benchmark results: per-node and merged figures, and how workers' reports are merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rabia.bench.config import BenchConfig
from rabia.bench.histogram import Histogram
from rabia.bench.protocol import Api, Mode, Op, PhaseResult


@dataclass(frozen=True, slots=True)
class NodeResult:
    """What one node measured (its own load phase in latency mode)."""

    node_id: int
    completed: int
    errors: int
    throughput_ops: float
    p50_ms: float
    p99_ms: float
    leader: bool | None


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Merged figures of one system."""

    system: str
    """The system, or the run's label (e.g. "rabia (always)")."""
    mode: Mode
    nodes: int
    concurrency: int
    duration_s: float
    completed: int
    errors: int
    throughput_ops: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    fast_path_ratio: float | None
    null_ratio: float | None
    loop: str
    per_node: list[NodeResult] = field(default_factory=list)
    op: Op = "write"
    """What the load did: writes, barrier reads or log reads."""
    api: Api | None = "raw"
    """rabia: how it wrote (the raw StateMachine, or a replicated object's command);
    None for the peer."""
    cpu_us_per_op: float | None = None
    """CPU time of every node process over the measured window(s), summed, per
    operation completed (µs); None when a worker could not measure it."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every figure."""
        out: dict[str, Any] = {
            "system": self.system,
            "mode": self.mode,
            "op": self.op,
            "api": self.api,
            "nodes": self.nodes,
            "concurrency": self.concurrency,
            "duration_s": self.duration_s,
            "completed": self.completed,
            "errors": self.errors,
            "throughput_ops": round(self.throughput_ops, 1),
            "p50_ms": round(self.p50_ms, 4),
            "p99_ms": round(self.p99_ms, 4),
            "p999_ms": round(self.p999_ms, 4),
            "mean_ms": round(self.mean_ms, 4),
            "cpu_us_per_op": None if self.cpu_us_per_op is None else round(self.cpu_us_per_op, 2),
            "max_node_p50_ms": round(max((n.p50_ms for n in self.per_node), default=0.0), 4),
            "fast_path_ratio": self.fast_path_ratio,
            "null_ratio": self.null_ratio,
            "loop": self.loop,
            "per_node": [
                {
                    "node_id": n.node_id,
                    "throughput_ops": round(n.throughput_ops, 1),
                    "p50_ms": round(n.p50_ms, 4),
                    "p99_ms": round(n.p99_ms, 4),
                    "errors": n.errors,
                    "leader": n.leader,
                }
                for n in self.per_node
            ],
        }
        return out


def _ms(ns: float) -> float:
    return ns / 1e6


def merge_phases(
    config: BenchConfig, phases: list[tuple[int, list[PhaseResult]]], loop: str
) -> BenchResult:
    """Merge ``(active, reports)`` per phase into one result.

    ``active`` is the node loaded in a latency phase, or -1 when every node was loaded.
    """
    merged = Histogram()
    completed = errors = slots = fast = null = 0
    has_slot_stats = False
    measured = cpu_s = 0.0
    cpu_known = True
    per_node: list[NodeResult] = []
    by_node: dict[int, list[PhaseResult]] = {}
    for active, results in phases:
        measured += results[0].window_s
        for r in results:
            merged.add_pairs(r.hist)
            completed += r.completed
            errors += r.errors
            if r.cpu_s is None:
                cpu_known = False
            else:
                cpu_s += r.cpu_s
            if "slots_decided" in r.stats:
                has_slot_stats = True
                slots += r.stats["slots_decided"]
                fast += r.stats.get("fast_path", 0)
                null += r.stats.get("null_slots", 0)
            if active in (-1, r.node_id):
                by_node.setdefault(r.node_id, []).append(r)
    for node_id in sorted(by_node):
        runs = by_node[node_id]
        hist = Histogram()
        for r in runs:
            hist.add_pairs(r.hist)
        window = sum(r.window_s for r in runs)
        per_node.append(
            NodeResult(
                node_id=node_id,
                completed=hist.total,
                errors=sum(r.errors for r in runs),
                throughput_ops=hist.total / window if window else 0.0,
                p50_ms=_ms(hist.percentile(0.5)),
                p99_ms=_ms(hist.percentile(0.99)),
                leader=runs[-1].leader,
            )
        )
    return BenchResult(
        system=config.system,
        mode=config.mode,
        nodes=config.nodes,
        concurrency=config.concurrency if config.mode == "throughput" else 1,
        duration_s=measured,
        completed=completed,
        errors=errors,
        throughput_ops=completed / measured if measured else 0.0,
        p50_ms=_ms(merged.percentile(0.5)),
        p99_ms=_ms(merged.percentile(0.99)),
        p999_ms=_ms(merged.percentile(0.999)),
        mean_ms=_ms(merged.mean()),
        fast_path_ratio=fast / slots if has_slot_stats and slots else None,
        null_ratio=null / slots if has_slot_stats and slots else None,
        loop=loop,
        per_node=per_node,
        op=config.op,
        api=config.api if config.system == "rabia" else None,
        cpu_us_per_op=cpu_s / completed * 1e6 if cpu_known and completed else None,
    )
