"""The ``rabia`` command line: one module per command group."""

from __future__ import annotations

import click

from rabia.cli.sim import sim


@click.group()
def main() -> None:
    """rabia: leaderless state machine replication with the Rabia consensus protocol."""


main.add_command(sim)

__all__ = ["main"]
