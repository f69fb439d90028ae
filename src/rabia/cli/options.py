"""Options several commands share."""

from __future__ import annotations

from pathlib import Path

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

insecure_option = click.option(
    "--insecure",
    is_flag=True,
    help="Run peer, client and Redis ports beyond loopback without a secret, password or "
    "client certificates (refused otherwise). Anyone who can reach them is trusted; "
    "logged loudly.",
)
"""``--insecure``, as ``rabia node`` and ``rabia up`` take it (``rabia.runtime.exposure``)."""

SECRET_FILE_ENV = "RABIA_SECRET_FILE"
"""Where client commands (``rabia status``, ``rabia member``) find the cluster secret."""

secret_file_option = click.option(
    "--secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar=SECRET_FILE_ENV,
    default=None,
    help="File holding the cluster secret the nodes' client ports ask for (default: "
    f"${SECRET_FILE_ENV}, else rabia-data/cluster.secret when it exists: `rabia up`'s).",
)
"""The cluster secret of a client command (``read_secret`` turns it into bytes)."""

DEFAULT_DATA_DIR = Path("rabia-data")
"""``rabia up``'s data directory unless told otherwise."""
SECRET_NAME = "cluster.secret"
"""The cluster secret ``rabia up`` makes in its data directory."""
DEFAULT_SECRET = DEFAULT_DATA_DIR / SECRET_NAME
"""The secret ``rabia up`` makes with its default data directory."""


def read_secret(path: Path | None) -> bytes | None:
    """The secret in ``path`` (stripped), or ``rabia up``'s default one when it exists."""
    if path is None:
        path = DEFAULT_SECRET if DEFAULT_SECRET.is_file() else None
    return None if path is None else path.read_bytes().strip() or None
