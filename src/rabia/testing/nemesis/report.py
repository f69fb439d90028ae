"""The summary of a series of runs: one table row per run, details of every failure."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from rabia.testing.nemesis.runner import RunResult


def _verdicts(result: RunResult) -> str:
    if result.error is not None:
        return f"[red]harness error[/red]: {result.error}"
    failed = [check.name for check in result.failed() if check.name != "linearizable"]
    if failed:
        return "[red]FAIL[/red]: " + ", ".join(failed)
    return f"ok ({sum(1 for c in result.checks if c.ok)} checks)"


def _linearizable(result: RunResult) -> str:
    check = next((c for c in result.checks if c.name == "linearizable"), None)
    if check is None or check.detail.startswith("no checker model"):
        return "-"
    if check.ok is None:
        return "unknown" if check.detail == "unknown" else "no checker"
    return "yes" if check.ok else "[red]NO[/red]"


def summary(results: Sequence[RunResult]) -> Table:
    """run, seed, nemesis, workload, ops ok/fail/info, verdicts, linearizable, seconds."""
    table = Table(title="rabia jepsen")
    for column in ("run", "seed", "nemesis", "workload", "ok", "fail", "info"):
        table.add_column(column, justify="right" if column in ("ok", "fail", "info") else "left")
    table.add_column("verdicts")
    table.add_column("linearizable")
    table.add_column("s", justify="right")
    for k, result in enumerate(results):
        config = result.config
        table.add_row(
            str(k),
            str(config.seed),
            config.nemesis,
            config.workload,
            *(str(result.counts.get(t, 0)) for t in ("ok", "fail", "info")),
            _verdicts(result),
            _linearizable(result),
            f"{result.elapsed:.0f}",
        )
    return table


def failure(result: RunResult) -> str:
    """What failed, where the run's files are, and how to run it again."""
    lines = [f"run with seed {result.config.seed} FAILED; files in {result.directory}"]
    if result.error is not None:
        lines.append(f"  harness error: {result.error}")
    for check in result.failed():
        lines.append(f"  {check.name}: {check.detail}")
    lines.append(f"  replay: {result.config.replay()}")
    return "\n".join(lines)


def print_report(results: Sequence[RunResult], console: Console | None = None) -> None:
    """The table, then each failure."""
    console = console or wide_console()
    console.print(summary(results))
    for result in results:
        if not result.ok:
            console.print(failure(result), markup=False, highlight=False, soft_wrap=True)


def wide_console() -> Console:
    """A console that, when not on a terminal, is wide enough for the table."""
    console = Console()
    return console if console.is_terminal else Console(width=140)
