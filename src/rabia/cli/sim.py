"""``rabia sim``: sweep or replay seeds of the deterministic simulator."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rabia.core.config import UnsafeSwitches
from rabia.testing.sim import UNSAFE_NAMES, SimResult, run_seed
from rabia.testing.storage import SyncMode


@dataclass(slots=True)
class _Summary:
    runs: int = 0
    slots: int = 0
    fast_path: int = 0
    null_slots: int = 0
    phases_total: int = 0
    phases_counted: int = 0
    max_phases: int = 0
    acked: int = 0
    operations: dict[str, int] = field(default_factory=dict)
    """Client operations checked for linearizability, by kind."""
    installs: int = 0
    transfers: int = 0
    runs_with_transfer: int = 0
    by_durability: dict[str, list[int]] = field(default_factory=dict)
    """mode -> [runs, restarts, of those after a power loss, unsynced records lost]."""
    virtual_us: int = 0
    cpu_seconds: float = 0.0
    max_cpu_seconds: float = 0.0
    failing: list[SimResult] = field(default_factory=list)
    last: SimResult | None = None

    def add(self, result: SimResult) -> None:
        self.runs += 1
        self.slots += result.slots
        self.fast_path += result.fast_path
        self.null_slots += result.null_slots
        self.phases_total += result.phases_total
        self.phases_counted += result.phase_slots
        self.max_phases = max(self.max_phases, result.phases_max)
        self.acked += result.acked
        for kind, count in result.operations.items():
            self.operations[kind] = self.operations.get(kind, 0) + count
        self.installs += result.installs
        self.transfers += result.transfers
        self.runs_with_transfer += 1 if result.transfers else 0
        mode = self.by_durability.setdefault(result.durability, [0, 0, 0, 0])
        mode[0] += 1
        mode[1] += result.fault_counts.get("restart", 0)
        mode[2] += result.fault_counts.get("power loss", 0)
        mode[3] += result.lost_records
        self.virtual_us += result.virtual_us
        self.cpu_seconds += result.cpu_seconds
        self.max_cpu_seconds = max(self.max_cpu_seconds, result.cpu_seconds)
        self.last = result
        if result.violations:
            self.failing.append(result)

    def ratio(self, part: int) -> float:
        return part / self.slots if self.slots else 0.0

    @property
    def mean_phases(self) -> float:
        return self.phases_total / self.phases_counted if self.phases_counted else 0.0


def _run_one(args: tuple[int, int, int, str, UnsafeSwitches, SyncMode | None]) -> SimResult:
    return run_seed(*args)


def _results(
    seeds: Sequence[int],
    nodes: int,
    ops: int,
    faults: str,
    unsafe: UnsafeSwitches,
    jobs: int,
    durability: SyncMode | None,
) -> Iterator[SimResult]:
    work = [(seed, nodes, ops, faults, unsafe, durability) for seed in seeds]
    if jobs <= 1 or len(work) < 2:
        for item in work:
            yield _run_one(item)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_run_one, work, chunksize=max(1, min(16, len(work) // (4 * jobs))))


def _unsafe_switches(names: Iterable[str]) -> UnsafeSwitches:
    chosen = {name.replace("-", "_") for name in names}
    unknown = chosen - set(UNSAFE_NAMES)
    if unknown:
        raise click.BadParameter(
            f"unknown switch(es) {sorted(unknown)}; known: {', '.join(UNSAFE_NAMES)}",
            param_hint="--unsafe",
        )
    return UnsafeSwitches(**dict.fromkeys(chosen, True))


@click.command()
@click.option("--nodes", "-n", default=3, show_default=True, help="Replicas in the cluster.")
@click.option("--seeds", "-k", default=100, show_default=True, help="Number of seeds to run.")
@click.option("--first-seed", default=0, show_default=True, help="First seed of the range.")
@click.option("--seed", type=int, default=None, help="Run only this seed (prints details).")
@click.option("--ops", default=60, show_default=True, help="Client operations per run.")
@click.option(
    "--faults",
    type=click.Choice(["swarm", "none"]),
    default="swarm",
    show_default=True,
    help="'swarm': each seed draws its own faults; 'none': a perfect network.",
)
@click.option(
    "--durability",
    type=click.Choice(["always", "batch", "off"]),
    default=None,
    help="Force this storage mode on every run, with crash-restarts in every run "
    "(default: each seed draws its mode).",
)
@click.option("--jobs", "-j", default=1, show_default=True, help="Worker processes (0: all CPUs).")
@click.option("--json", "as_json", is_flag=True, help="End stdout with one JSON summary line.")
@click.option("--unsafe", multiple=True, hidden=True, help="Test only: enable a bug switch.")
def sim(
    nodes: int,
    seeds: int,
    first_seed: int,
    seed: int | None,
    ops: int,
    faults: str,
    durability: SyncMode | None,
    jobs: int,
    as_json: bool,
    unsafe: tuple[str, ...],
) -> None:
    """Run seeded fault-injection simulations and check every safety invariant.

    Exits 0 only when no run broke an invariant. Replay a failing run with the
    printed command: the same seed gives the same run, byte for byte.
    """
    if nodes < 1:
        raise click.BadParameter("need at least one node", param_hint="--nodes")
    if ops < 0 or seeds < 0:
        raise click.BadParameter("--ops and --seeds must not be negative")
    if durability is not None and faults != "swarm":
        raise click.BadParameter("needs --faults swarm (crash-restarts)", param_hint="--durability")
    switches = _unsafe_switches(unsafe)
    chosen = [seed] if seed is not None else list(range(first_seed, first_seed + seeds))
    if jobs == 0:
        jobs = os.cpu_count() or 1
    err = Console(stderr=True)
    out = err if as_json else Console()
    summary = _Summary()
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]rabia sim[/] n={task.fields[nodes]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failing: {task.fields[failing]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=seed is not None,
    ) as progress:
        task = progress.add_task("sim", total=len(chosen), nodes=nodes, failing=0)
        for result in _results(chosen, nodes, ops, faults, switches, jobs, durability):
            summary.add(result)
            progress.update(task, advance=1, failing=len(summary.failing))
    elapsed = time.perf_counter() - started
    if seed is not None and summary.last is not None:
        _print_run(out, summary.last)
    _print_summary(out, summary, nodes, faults, elapsed)
    if as_json:
        click.echo(json.dumps(_json_summary(summary, nodes, ops, faults, elapsed)))
    sys.exit(1 if summary.failing else 0)


def _print_run(out: Console, result: SimResult) -> None:
    out.print(f"seed {result.seed}: {'[red]FAILED[/]' if result.violations else '[green]ok[/]'}")
    faults = " ".join(f"{k}={v}" for k, v in result.fault_counts.items()) or "-"
    for label, value in (
        ("plan", result.plan),
        ("faults struck", faults),
        ("messages delivered", str(result.delivered)),
        (
            "snapshots",
            f"every {result.compact_every or '-'} slots, {result.installs} installed "
            f"({result.transfers} from peers)",
        ),
        ("trace hash", result.trace_hash),
        ("replay", result.replay_command),
    ):
        out.print(f"  {label}: {value}", markup=False, highlight=False, soft_wrap=True)
    for violation in result.violations:
        out.print(f"  violation: {violation}", markup=False, highlight=False, soft_wrap=True)


def _print_summary(
    out: Console, summary: _Summary, nodes: int, faults: str, elapsed: float
) -> None:
    table = Table(title=f"rabia sim: n={nodes}, faults={faults}", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("runs", str(summary.runs))
    table.add_row("slots decided", str(summary.slots))
    table.add_row("client ops acknowledged", str(summary.acked))
    ops = summary.operations
    table.add_row(
        "linearizable: appends / log reads / barrier reads",
        f"{ops.get('append', 0)} / {ops.get('log-read', 0)} / {ops.get('barrier-read', 0)}",
    )
    table.add_row("fast path (phase 1)", f"{summary.ratio(summary.fast_path):.1%}")
    table.add_row("NULL slots", f"{summary.ratio(summary.null_slots):.1%}")
    table.add_row(
        "phases per slot (mean / max)", f"{summary.mean_phases:.3f} / {summary.max_phases}"
    )
    table.add_row(
        "snapshot installs (from peers / runs)",
        f"{summary.installs} ({summary.transfers} / {summary.runs_with_transfer})",
    )
    for mode, (runs, restarts, power, lost) in sorted(summary.by_durability.items()):
        table.add_row(
            f"durability {mode}: runs / restarts (after power loss) / records lost",
            f"{runs} / {restarts} ({power}) / {lost}",
        )
    table.add_row("virtual time", f"{summary.virtual_us / 1e6:.1f} s")
    table.add_row("wall time", f"{elapsed:.1f} s")
    if summary.runs:
        table.add_row(
            "CPU per run (mean / max)",
            f"{summary.cpu_seconds / summary.runs * 1e3:.0f} / "
            f"{summary.max_cpu_seconds * 1e3:.0f} ms",
        )
    table.add_row("violations", str(len(summary.failing)))
    out.print(table)
    for result in summary.failing:
        out.print(f"[red]seed {result.seed}[/]: ", end="")
        out.print(result.violations[0], markup=False, highlight=False, soft_wrap=True)
        out.print(
            f"  replay: {result.replay_command}", markup=False, highlight=False, soft_wrap=True
        )
    if not summary.failing:
        out.print("[green]no violations[/]")


def _json_summary(
    summary: _Summary, nodes: int, ops: int, faults: str, elapsed: float
) -> dict[str, Any]:
    return {
        "runs": summary.runs,
        "nodes": nodes,
        "ops": ops,
        "faults": faults,
        "violations": len(summary.failing),
        "slots": summary.slots,
        "acked": summary.acked,
        "operations": dict(sorted(summary.operations.items())),
        "snapshot_installs": summary.installs,
        "snapshot_transfers": summary.transfers,
        "runs_with_transfer": summary.runs_with_transfer,
        "durability": {
            mode: {"runs": runs, "restarts": restarts, "power_losses": power, "records_lost": lost}
            for mode, (runs, restarts, power, lost) in sorted(summary.by_durability.items())
        },
        "fast_path_ratio": round(summary.ratio(summary.fast_path), 6),
        "null_ratio": round(summary.ratio(summary.null_slots), 6),
        "mean_phases": round(summary.mean_phases, 6),
        "max_phases": summary.max_phases,
        "wall_seconds": round(elapsed, 3),
        "cpu_seconds": round(summary.cpu_seconds, 3),
        "failing_seeds": [
            {
                "seed": r.seed,
                "violation": r.violations[0],
                "violations": r.violations,
                "replay": r.replay_command,
                "plan": r.plan,
            }
            for r in summary.failing
        ],
    }
