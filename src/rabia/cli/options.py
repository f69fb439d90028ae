"""Options several commands share."""

from __future__ import annotations

import click

from rabia.kv.reads import DEFAULT_READS, READ_MODES

reads_option = click.option(
    "--reads",
    type=click.Choice(READ_MODES),
    default=DEFAULT_READS,
    show_default=True,
    help="Read-only Redis commands through a read barrier (linearizable without the log, "
    "ADR 0017) or through the log.",
)
"""``--reads barrier|log``, as ``rabia node``, ``rabia up`` and ``rabia jepsen`` take it."""
