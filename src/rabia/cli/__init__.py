"""The ``rabia`` command line: one module per command group."""

from __future__ import annotations

import click

from rabia.cli.bench import bench
from rabia.cli.check import check
from rabia.cli.jepsen import jepsen
from rabia.cli.member import member
from rabia.cli.node import node
from rabia.cli.sim import sim
from rabia.cli.status import status
from rabia.cli.up import up


@click.group()
def main() -> None:
    """rabia: leaderless state machine replication with the Rabia consensus protocol."""


main.add_command(sim)
main.add_command(node)
main.add_command(member)
main.add_command(up)
main.add_command(status)
main.add_command(bench)
main.add_command(check)
main.add_command(jepsen)

__all__ = ["main"]
