"""``rabia jepsen``: nemesis runs against real node processes, with a summary."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import click

from rabia.cli.options import reads_option
from rabia.cli.switches import UNSAFE_NAMES
from rabia.testing.nemesis import NEMESES, ROTATE, WORKLOADS, plan, run
from rabia.testing.nemesis.report import failure, print_report, wide_console


@click.command()
@click.option("--runs", default=1, show_default=True, type=click.IntRange(1))
@click.option(
    "--duration", default=20.0, show_default=True, help="Seconds of faults and load per run."
)
@click.option(
    "--nemesis",
    default=ROTATE,
    show_default=True,
    type=click.Choice([ROTATE, *sorted(NEMESES)]),
    help="The faults; rotate: one drawn per run from its seed.",
)
@click.option(
    "--workload",
    default=ROTATE,
    show_default=True,
    type=click.Choice([ROTATE, *sorted(WORKLOADS)]),
    help="What the clients do; rotate: one drawn per run from its seed.",
)
@click.option("--seed", type=int, default=None, help="Seed of run 0 (run k: seed + k).")
@click.option("--nodes", default=3, show_default=True, type=click.IntRange(3, 9))
@click.option(
    "--dir",
    "base",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where runs write their files (default: a new temporary directory).",
)
@click.option("--keep-dir", is_flag=True, help="Keep the files of passing runs too.")
@click.option(
    "--durability",
    type=click.Choice(["always", "batch", "off"]),
    default="always",
    show_default=True,
    help="The nodes' durability mode (kills are process crashes: nothing may be lost).",
)
@reads_option
@click.option(
    "--unsafe",
    multiple=True,
    hidden=True,
    type=click.Choice(UNSAFE_NAMES),
    help="Test only: run a deliberately broken build.",
)
def jepsen(
    runs: int,
    duration: float,
    nemesis: str,
    workload: str,
    seed: int | None,
    nodes: int,
    base: Path | None,
    keep_dir: bool,
    durability: str,
    reads: str,
    unsafe: tuple[str, ...],
) -> None:
    """Run the KV store under faults and check its histories (exit 1 on any violation).

    Each run: DURATION seconds of client load while a nemesis kills, pauses, partitions,
    delays, resets links or jumps clocks; then heal, final reads at every node, and the
    checks (no lost or duplicated writes, no stale reads, equal state hashes, and
    linearizability where the checker is installed).
    """
    if seed is None:
        seed = random.randrange(1_000_000)
    temporary = base is None
    base = base or Path(tempfile.mkdtemp(prefix="rabia-jepsen-"))
    console = wide_console()
    configs = plan(
        runs,
        seed,
        nemesis,
        workload,
        duration=duration,
        nodes=nodes,
        unsafe=unsafe,
        durability=durability,
        reads=reads,
    )
    results = []
    for k, config in enumerate(configs):
        directory = base / f"run{k}-seed{config.seed}"
        shutil.rmtree(directory, ignore_errors=True)  # an earlier run's, under --dir
        console.print(
            f"run {k}: seed {config.seed}, {config.nemesis} x {config.workload}, {duration:g}s",
            highlight=False,
        )
        result = run(config, directory)
        results.append(result)
        if not result.ok:
            console.print(failure(result), markup=False, highlight=False, soft_wrap=True)
        elif not keep_dir:
            shutil.rmtree(directory, ignore_errors=True)
    print_report(results, console)
    if all(result.ok for result in results):
        if not keep_dir and temporary:
            shutil.rmtree(base, ignore_errors=True)
        else:
            console.print(f"files: {base}", highlight=False)
        return
    raise SystemExit(1)
