"""``rabia check``: is a recorded history linearizable?"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rabia.testing import linearizability as lin
from rabia.testing.linearizability.report import render_html

EXIT_CODES = {"linearizable": 0, "not linearizable": 1, "unknown": 2}
EXIT_BAD_INPUT = 3


@click.command()
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model", type=click.Choice(sorted(lin.MODELS)), required=True, help="What to check against."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(lin.PARSERS)),
    required=True,
    help="The file's format.",
)
@click.option("--timeout", type=float, default=None, help="Give up after S seconds: 'unknown'.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a timeline report here.",
)
@click.option("--keep-going", is_flag=True, help="Check every key even after one fails.")
def check(
    history: Path,
    model: str,
    fmt: str,
    timeout: float | None,
    html_path: Path | None,
    keep_going: bool,
) -> None:
    """Check HISTORY for linearizability; print the verdict.

    Exits 0 if linearizable, 1 if not, 2 if unknown (out of time), 3 if the file
    cannot be read. Details of a failure go to stderr.
    """
    spec = lin.MODELS[model]()
    try:
        ops = lin.operations_from_events(lin.load(history, fmt))
        result = lin.check(ops, spec, timeout, keep_going=keep_going)
    except (lin.FormatError, ValueError, OSError) as exc:
        click.echo(f"rabia check: {history}: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    for partition in result.partitions:
        if partition.verdict == "linearizable" or partition.stuck is None:
            continue
        stuck = ops[partition.stuck]
        key = "" if partition.key is None else f"key {partition.key!r}: "
        click.echo(
            f"{key}{partition.verdict}: {len(partition.prefix)} of {len(partition.operations)}"
            f" ops linearized, then stuck at op {partition.stuck} (process {stuck.process}:"
            f" {spec.describe(stuck)})",
            err=True,
        )
    if html_path is not None:
        html_path.write_text(render_html(result, spec, history.name), encoding="utf-8")
    click.echo(result.verdict)
    sys.exit(EXIT_CODES[result.verdict])
