"""``rabia node``: run one node of a cluster."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from rabia.kv.machine import KVMachine
from rabia.runtime.config import NodeConfig
from rabia.runtime.loader import load_machine
from rabia.runtime.node import Node
from rabia.runtime.process import event_loop_name, run, serve
from rabia.storage.errors import StorageCorrupted
from rabia.storage.lock import DataDirInUse
from rabia.transport.tls import TlsFiles


def _parse_peers(peers: tuple[str, ...]) -> dict[int, str]:
    members: dict[int, str] = {}
    for item in peers:
        ident, sep, address = item.partition("=")
        if not sep or not ident.strip().isdigit():
            raise click.BadParameter(f"expected ID=HOST:PORT, got {item!r}", param_hint="--peer")
        members[int(ident)] = address.strip()
    return members


@click.command()
@click.option("--id", "node_id", type=int, required=True, help="This node's member id.")
@click.option(
    "--peer",
    "peers",
    multiple=True,
    required=True,
    help="ID=HOST:PORT of every member, this node included (repeat).",
)
@click.option("--client", "client_address", default=None, help="HOST:PORT for remote clients.")
@click.option(
    "--resp",
    "resp_address",
    default=None,
    help="HOST:PORT for Redis clients (with --machine rabia.kv:KVMachine).",
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the password Redis clients must AUTH with.",
)
@click.option("--machine", required=True, help="State machine: module:Class or file.py:Class.")
@click.option("--cluster-id", default="rabia", show_default=True)
@click.option(
    "--secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the cluster secret (peers must prove they know it).",
)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tls-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --tls-cert and --tls-key: mutual TLS on peer links, members signed by this CA.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the node's records here (SQLite). Without it nothing survives a restart.",
)
@click.option(
    "--durability",
    type=click.Choice(["always", "batch", "off"]),
    default="always",
    show_default=True,
    help="always: fsync every step; batch: fsync every --flush-ms; off: only what must be.",
)
@click.option("--flush-ms", default=10.0, show_default=True, help="Group-sync period (batch).")
@click.option(
    "--snapshot-every",
    default=4096,
    show_default=True,
    help="Snapshot the state and compact the log every this many slots (0: never).",
)
@click.option(
    "--join",
    is_flag=True,
    help="Join a running cluster: --peer lists its current members; then `rabia member add`.",
)
@click.option(
    "--initial",
    default=None,
    help="With --join: the cluster's first member ids, comma-separated (default: the peers).",
)
@click.option("--seed", default=0, show_default=True, help="Common-coin seed (same on all).")
@click.option("--tick-ms", default=2.0, show_default=True)
@click.option(
    "--max-key-size",
    type=click.IntRange(min=1),
    default=None,
    help="KV machine: longest key in bytes (default 64 KiB). Same on every node.",
)
@click.option(
    "--max-value-size",
    type=click.IntRange(min=1),
    default=None,
    help="KV machine: longest value in bytes (default 64 MiB). Same on every node.",
)
@click.option(
    "--max-keys",
    type=click.IntRange(min=1),
    default=None,
    help="KV machine: most keys stored (default 50 million). Same on every node.",
)
@click.option("--log-level", default="INFO", show_default=True)
def node(
    node_id: int,
    peers: tuple[str, ...],
    client_address: str | None,
    resp_address: str | None,
    password_file: Path | None,
    machine: str,
    cluster_id: str,
    secret_file: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_ca: Path | None,
    data_dir: Path | None,
    durability: str,
    flush_ms: float,
    snapshot_every: int,
    join: bool,
    initial: str | None,
    seed: int,
    tick_ms: float,
    max_key_size: int | None,
    max_value_size: int | None,
    max_keys: int | None,
    log_level: str,
) -> None:
    """Run one node of a rabia cluster until SIGTERM or Ctrl-C."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    members = _parse_peers(peers)
    secret = secret_file.read_bytes().strip() if secret_file is not None else None
    tls_parts = (tls_cert, tls_key, tls_ca)
    if any(tls_parts) and not all(tls_parts):
        raise click.UsageError("--tls-cert, --tls-key and --tls-ca go together")
    tls = TlsFiles(tls_cert, tls_key, tls_ca) if tls_cert and tls_key and tls_ca else None
    try:
        config = NodeConfig(
            node_id,
            members,
            client_address=client_address,
            resp_address=resp_address,
            resp_password=password_file.read_bytes().strip() if password_file else None,
            cluster_id=cluster_id,
            secret=secret,
            tls=tls,
            data_dir=data_dir,
            durability=durability,  # type: ignore[arg-type]
            flush_interval=flush_ms / 1000,
            snapshot_every=snapshot_every,
            join=join,
            initial_members=None
            if initial is None
            else tuple(int(x) for x in initial.split(",") if x.strip()),
            seed=seed,
            tick_ms=tick_ms,
        )
        state_machine = load_machine(machine)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    limits = {"max_key_size": max_key_size, "max_value_size": max_value_size, "max_keys": max_keys}
    for name, value in limits.items():
        if value is None:
            continue
        if not isinstance(state_machine, KVMachine):
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} needs --machine rabia.kv:KVMachine")
        setattr(state_machine, name, value)

    def ready(n: Node) -> None:
        print(
            f"ready node={node_id} peers={members[node_id]} client={client_address} "
            f"resp={resp_address} "
            f"loop={event_loop_name()}",
            flush=True,
        )

    try:
        run(lambda: serve(config, state_machine, ready))
    except DataDirInUse as exc:
        raise click.ClickException(f"refusing to start node {node_id}: {exc}") from None
    except StorageCorrupted as exc:
        raise click.ClickException(
            f"refusing to start node {node_id}: {exc}. Its data cannot be trusted; move the "
            "data directory away and rejoin the node as a new member."
        ) from None
    sys.exit(0)
