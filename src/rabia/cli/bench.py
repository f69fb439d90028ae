"""``rabia bench``: benchmark a local cluster, optionally side by side with PySyncObj."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from collections.abc import Sequence
from typing import Any

import click
from click.core import ParameterSource
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from rabia.bench.harness import BenchConfig, BenchError, run_bench
from rabia.bench.plotting import PlotUnavailable, caption_now, plot_format, require_matplotlib
from rabia.bench.protocol import Api, Mode, Op, PeerClient, System
from rabia.bench.results import BenchResult
from rabia.bench.rounds import by_run, interleaved, median_result, paired_ratios
from rabia.bench.sweep import Sweep, collect, parse_levels, sweep_plan
from rabia.bench.tables import Table as FigureTable
from rabia.bench.tables import comparison_table, sweep_table


def _text_table(figures: FigureTable, title: str) -> Table:
    table = Table(title=title)
    for index, header in enumerate(figures.headers):
        table.add_column(header, justify="left" if index == 0 else "right")
    for row in figures.rows:
        table.add_row(*row)
    return table


def _run_with_progress(
    configs: Sequence[BenchConfig], console: Console, sweeping: bool = False
) -> list[BenchResult]:
    """Run each config in turn, with a progress bar per run."""
    results: list[BenchResult] = []
    columns = (
        TextColumn("{task.description:<44}"),
        BarColumn(),
        TextColumn("{task.completed:>5.1f}/{task.total:.0f} s"),
        TimeElapsedColumn(),
    )

    def prefix(config: BenchConfig) -> str:
        return f"{config.concurrency:>5} in flight " if sweeping else ""

    with Progress(*columns, console=console) as progress:
        tasks = [
            progress.add_task(
                f"{prefix(c)}{c.label or c.system}: waiting", total=c.warmup + c.duration
            )
            for c in configs
        ]
        for config, task in zip(configs, tasks, strict=True):

            def update(
                desc: str,
                done: float,
                total: float,
                task: TaskID = task,
                head: str = prefix(config),
            ) -> None:
                progress.update(task, description=head + desc, completed=done, total=total)

            results.append(run_bench(config, update))
    return results


_NOT_IN_TITLE = ("plot", "as_json")


def _command_line(ctx: click.Context) -> str:
    """The command as given: the options set on the command line, in their order (click
    fills ``ctx.params`` in that order), each in canonical form."""
    words = ["rabia", "bench"]
    options = {p.name: p for p in ctx.command.params if isinstance(p, click.Option)}
    for name in ctx.params:
        param = options.get(name)
        if param is None or name in _NOT_IN_TITLE:
            continue
        if ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
            continue
        value = ctx.params[name]
        if param.is_flag:
            words.append(
                param.opts[0] if value or not param.secondary_opts else param.secondary_opts[0]
            )
        elif isinstance(value, tuple):
            words += [param.opts[0], ",".join(str(v) for v in value)]
        elif isinstance(value, float):
            words += [param.opts[0], f"{value:g}"]
        else:
            words += [param.opts[0], str(value)]
    return " ".join(words)


def _levels(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        return parse_levels(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _plot_file(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        plot_format(value)
        require_matplotlib()
    except (ValueError, PlotUnavailable) as exc:
        raise click.BadParameter(str(exc)) from exc
    return value


@click.command()
@click.option("--nodes", default=3, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--duration",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Measured seconds (latency mode: split evenly over the nodes).",
)
@click.option(
    "--warmup",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Seconds of load before measuring.",
)
@click.option(
    "--mode",
    type=click.Choice(["throughput", "latency"]),
    default="throughput",
    show_default=True,
    help="throughput: every node keeps --concurrency writes (or reads) in flight; "
    "latency: one at a time, one node after the other.",
)
@click.option(
    "--concurrency",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Writes (or reads) in flight per node (throughput mode).",
)
@click.option(
    "--system",
    type=click.Choice(["rabia", "pysyncobj"]),
    default="rabia",
    show_default=True,
    help="System under test.",
)
@click.option(
    "--vs",
    "peer",
    type=click.Choice(["pysyncobj"]),
    default=None,
    help="Also run the same workload against this peer and print the ratio.",
)
@click.option("--value-size", default=10, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--uvloop/--no-uvloop",
    default=True,
    show_default=True,
    help="Run rabia nodes on uvloop when it is installed.",
)
@click.option(
    "--peer-client",
    type=click.Choice(["callback", "thread"]),
    default="callback",
    show_default=True,
    help="PySyncObj one-at-a-time client: chained in its callback, or blocking "
    "on a thread (like its sync=True call).",
)
@click.option(
    "--durability",
    type=click.Choice(["memory", "always", "batch", "off"]),
    default="memory",
    show_default=True,
    help="rabia's records: in memory, or on disk (SQLite) with this durability mode.",
)
@click.option(
    "--vs-durability",
    type=click.Choice(["always", "batch", "off"]),
    default=None,
    help="Run rabia a second time with this durability and print the ratio (e.g. always vs off).",
)
@click.option(
    "--sweep",
    default=None,
    metavar="LEVELS",
    callback=_levels,
    help="Comma-separated writes in flight per node (e.g. 10,100,1000,5000): every system "
    "measured at each level, in this run (throughput mode).",
)
@click.option(
    "--plot",
    default=None,
    metavar="FILE",
    type=click.Path(dir_okay=False),
    callback=_plot_file,
    help="Also draw the figures to FILE (.svg, or .html with the table); needs matplotlib "
    "(pip install 'rabia[plot]'). A sweep: throughput against p50/p99; one run: bars.",
)
@click.option(
    "--reads",
    type=click.Choice(["barrier", "log", "both"]),
    default=None,
    help="Load with reads of the machine's state instead of writes: through the read "
    "barrier (Node.read, ADR 0017), through the log, or both side by side.",
)
@click.option(
    "--api",
    type=click.Choice(["raw", "objects", "both"]),
    default="raw",
    show_default=True,
    help="How rabia's load writes: node.submit(bytes) to a raw StateMachine, "
    "ReplCounter.add(1) through a local() replicated-object proxy (encode, submit, "
    "decode), or both side by side with their ratios (the objects API's overhead).",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Run every system this many times, interleaved, and report each figure's median "
    "(and each round's ratios): these machines drift from one minute to the next.",
)
@click.option("--ready-timeout", default=30.0, show_default=True, type=click.FloatRange(min=1))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object with every figure as the last line.",
)
@click.pass_context
def bench(
    ctx: click.Context,
    nodes: int,
    duration: float,
    warmup: float,
    mode: str,
    concurrency: int,
    system: str,
    peer: str | None,
    value_size: int,
    uvloop: bool,
    peer_client: str,
    durability: str,
    vs_durability: str | None,
    sweep: tuple[int, ...] | None,
    plot: str | None,
    reads: str | None,
    api: str,
    rounds: int,
    ready_timeout: float,
    as_json: bool,
) -> None:
    """Start a local cluster of real processes, load it with closed-loop clients on every
    node, and report throughput, latency percentiles, fast-path and NULL-slot ratios."""
    if sweep is not None and mode == "latency":
        raise click.UsageError("--sweep varies the writes in flight: it needs --mode throughput")
    if peer is not None and peer == system:
        raise click.UsageError("--vs must name a system other than --system")
    if vs_durability is not None and (peer is not None or system != "rabia"):
        raise click.UsageError("--vs-durability compares rabia with itself: drop --vs/--system")
    if reads is not None and (peer is not None or system != "rabia" or vs_durability):
        raise click.UsageError("--reads measures rabia's reads: drop --vs/--system/--vs-durability")
    if reads is not None and (sweep is not None or plot is not None):
        raise click.UsageError("--reads has no --sweep or --plot (they chart writes)")
    if api != "raw" and (system != "rabia" or reads is not None):
        raise click.UsageError("--api picks how rabia writes: drop --system/--reads")
    if rounds > 1 and sweep is not None:
        raise click.UsageError("--rounds repeats one run per system: drop --sweep")
    if api == "both" and vs_durability is not None:
        raise click.UsageError("--api both compares two runs already: drop --vs-durability")
    needs_pysyncobj = "pysyncobj" in (system, peer)
    if needs_pysyncobj and importlib.util.find_spec("pysyncobj") is None:
        raise click.UsageError("PySyncObj is not installed: pip install 'rabia[bench]'")
    base: dict[str, Any] = {
        "nodes": nodes,
        "duration": duration,
        "warmup": warmup,
        "mode": _mode(mode),
        "concurrency": concurrency,
        "value_size": value_size,
        "use_uvloop": uvloop,
        "peer_client": _peer_client(peer_client),
        "ready_timeout": ready_timeout,
    }
    stored = None if durability == "memory" else durability
    systems = [_system(system)] + ([_system(peer)] if peer else [])
    configs = [
        BenchConfig(
            system=s,
            durability=stored if s == "rabia" else None,
            label=f"rabia ({durability})" if s == "rabia" and vs_durability else None,
            **base,
        )
        for s in systems
    ]
    if reads is not None:
        ops: list[Op] = ["barrier-read", "log-read"]
        wanted = ops if reads == "both" else [op for op in ops if op.startswith(reads)]
        configs = [
            dataclasses.replace(configs[0], op=op, label=f"rabia ({op.replace('-', ' ')}s)")
            for op in wanted
        ]
    if api != "raw":
        configs = _api_configs(configs, api)
    if vs_durability is not None:
        configs.append(
            BenchConfig(
                system="rabia",
                durability=vs_durability,
                label=f"rabia ({vs_durability})",
                api=configs[0].api,
                **base,
            )
        )
    err = Console(stderr=True)
    plan = configs if sweep is None else sweep_plan(configs, sweep)
    try:
        results = _run_with_progress(interleaved(plan, rounds), err, sweeping=sweep is not None)
    except BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    grouped = by_run(results, len(plan))
    results = [median_result(runs) for runs in grouped]
    if sweep is not None:
        _report_sweep(collect(sweep, results), as_json, plot, _command_line(ctx))
        return
    ours = results[0]
    theirs = results[-1] if len(results) > 1 else None
    title = f"{ours.mode}, {ours.nodes} nodes, {ours.concurrency} in flight/node, "
    title += f"{ours.duration_s:g} s"
    if rounds > 1:
        title += f", median of {rounds} rounds"
    pairs = _ratio_pairs(results)
    _stdout().print(_text_table(comparison_table(results, pairs), title))
    if rounds > 1:
        _stdout().print(_round_ratios(grouped, pairs))
    if plot is not None:
        from rabia.bench.plots import plot_run

        plot_run(results, caption_now(_command_line(ctx)), plot)
        err.print(f"plot: {plot}")
    if as_json:
        doc = ours.to_json()
        if theirs is not None:
            doc["peer"] = {"name": theirs.system, **theirs.to_json()}
            ratio = ours.throughput_ops / theirs.throughput_ops if theirs.throughput_ops else None
            doc["ratio"] = None if ratio is None else round(ratio, 3)
            doc["runs"] = [r.to_json() for r in results]
            doc["ratios"] = {
                f"{results[a].system} / {results[b].system}": _ratios(results[a], results[b])
                for a, b in pairs
            }
        if rounds > 1:
            doc["rounds"] = [[r.to_json() for r in runs] for runs in grouped]
        click.echo(json.dumps(doc, separators=(",", ":")))


def _stdout() -> Console:
    """The console for the tables: as wide as the table when not a terminal (no ellipses)."""
    out = Console(soft_wrap=False)
    return out if out.is_terminal else Console(soft_wrap=False, width=200)


def _report_sweep(swept: Sweep, as_json: bool, plot: str | None, command: str) -> None:
    first = next(iter(swept.series.values()))[0]
    title = f"sweep, {first.nodes} nodes, {first.duration_s:g} s per point"
    _stdout().print(_text_table(sweep_table(swept.series), title))
    if plot is not None:
        from rabia.bench.plots import plot_sweep

        plot_sweep(swept.series, caption_now(command), plot)
        Console(stderr=True).print(f"plot: {plot}")
    if as_json:
        click.echo(json.dumps(swept.to_json(), separators=(",", ":")))


def _mode(value: str) -> Mode:
    return "latency" if value == "latency" else "throughput"


def _system(value: str) -> System:
    return "pysyncobj" if value == "pysyncobj" else "rabia"


def _peer_client(value: str) -> PeerClient:
    return "thread" if value == "thread" else "callback"


def _round_ratios(
    grouped: Sequence[Sequence[BenchResult]], pairs: Sequence[tuple[int, int]]
) -> str:
    """Each pair's throughput and CPU-per-operation ratios, round by round."""

    def cells(values: Sequence[float | None]) -> str:
        return " ".join("-" if v is None else f"{v:.2f}x" for v in values)

    lines = ["per round:"]
    for a, b in pairs:
        name = f"{grouped[a][0].system} / {grouped[b][0].system}"
        lines.append(f"  {name}: throughput {cells(paired_ratios(grouped, a, b))}")
        cpu = paired_ratios(grouped, a, b, "cpu_us_per_op")
        lines.append(f"  {name}: CPU per operation {cells(cpu)}")
    return "\n".join(lines)


def _api_configs(configs: list[BenchConfig], api: str) -> list[BenchConfig]:
    """rabia's run with the objects API, or (``both``) its raw run then its objects run,
    each labelled; the peer's run (if any) after them."""
    rabia, others = configs[0], configs[1:]
    apis: list[Api] = ["raw", "objects"] if api == "both" else ["objects"]
    runs = [dataclasses.replace(rabia, api=a, label=f"rabia ({a})") for a in apis]
    return runs + others


def _ratio_pairs(results: Sequence[BenchResult]) -> list[tuple[int, int]]:
    """The ratios shown: the first run over each other one; with rabia's raw and objects
    runs, objects over raw first, then each of them over a peer."""
    apis = [r.api for r in results]
    if apis[:2] == ["raw", "objects"]:
        return [(1, 0)] + [(i, j) for j in range(2, len(results)) for i in (0, 1)]
    return [(0, j) for j in range(1, len(results))]


def _ratios(a: BenchResult, b: BenchResult) -> dict[str, float | None]:
    """``a``'s figures over ``b``'s: throughput, p50, p99 and the CPU per operation."""

    def over(x: float | None, y: float | None) -> float | None:
        return None if x is None or not y else round(x / y, 3)

    return {
        "throughput": over(a.throughput_ops, b.throughput_ops),
        "p50": over(a.p50_ms, b.p50_ms),
        "p99": over(a.p99_ms, b.p99_ms),
        "cpu_per_op": over(a.cpu_us_per_op, b.cpu_us_per_op),
    }
