"""``rabia node``: run one node of a cluster, from options and/or a TOML file."""

from __future__ import annotations

import difflib
import logging
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import click

from rabia import compiled
from rabia.cli.client_tls import CONFIG_PATHS as TLS_PATHS
from rabia.cli.client_tls import (
    client_tls_options,
    metrics_tls_options,
    resp_tls_options,
    server_tls,
)
from rabia.cli.options import insecure_option, reads_option
from rabia.cli.switches import UNSAFE_NAMES
from rabia.kv import unsafe as kv_unsafe
from rabia.kv.machine import KVMachine
from rabia.kv.reads import DEFAULT_READS
from rabia.kv.server import RespServer
from rabia.runtime import unsafe as unsafe_builds
from rabia.runtime.addresses import parse_address
from rabia.runtime.clock import clock_from_environ
from rabia.runtime.config import NodeConfig
from rabia.runtime.exposure import INSECURE_WARNING, redis_refusal
from rabia.runtime.loader import load_machine
from rabia.runtime.node import Node
from rabia.runtime.process import FrontEndFactory, event_loop_name, run, serve
from rabia.storage.errors import StorageCorrupted
from rabia.storage.lock import DataDirInUse
from rabia.transport.tls import ServerTls, TlsFiles


def _parse_peers(peers: tuple[str, ...]) -> dict[int, str]:
    members: dict[int, str] = {}
    for item in peers:
        ident, sep, address = item.partition("=")
        if not sep or not ident.strip().isdigit():
            raise click.BadParameter(f"expected ID=HOST:PORT, got {item!r}", param_hint="--peer")
        members[int(ident)] = address.strip()
    return members


_INLINE = "rabia.node.inline"
"""``ctx.meta`` key: values only a config file can hold (``secret``, ``password``)."""

_SCALARS: dict[str, tuple[str, type, str]] = {
    # TOML key: (click parameter, TOML type, what the error message calls it)
    "id": ("node_id", int, "an integer"),
    "listen": ("listen", str, "a string"),
    "client": ("client_address", str, "a string"),
    "resp": ("resp_address", str, "a string"),
    "metrics": ("metrics_address", str, "a string"),
    "machine": ("machine", str, "a string"),
    "cluster_id": ("cluster_id", str, "a string"),
    "durability": ("durability", str, "a string"),
    "flush_ms": ("flush_ms", float, "a number"),
    "snapshot_every": ("snapshot_every", int, "an integer"),
    "join": ("join", bool, "a boolean"),
    "insecure": ("insecure", bool, "a boolean"),
    "reads": ("reads", str, "a string"),
    "seed": ("seed", int, "an integer"),
    "tick_ms": ("tick_ms", float, "a number"),
    "batch_hold_ms": ("batch_hold_ms", float, "a number"),
    "log_level": ("log_level", str, "a string"),
}
_PATHS = ("password_file", "secret_file", "tls_cert", "tls_key", "tls_ca", *TLS_PATHS, "data_dir")
"""Keys naming files or directories: relative ones are relative to the config file."""
_SPECIAL = ("peers", "initial", "secret", "password")
CONFIG_KEYS = (*_SCALARS, *_PATHS, *_SPECIAL)
"""Every key a ``rabia node --config`` file may hold."""


def _type_ok(value: object, kind: type) -> bool:
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def read_config(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse a node's TOML file into click defaults (by parameter name) and the values
    only a file can hold (``secret``, ``password``). Raises ValueError naming the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid TOML: {exc}") from None
    base = path.parent
    defaults: dict[str, Any] = {}
    inline: dict[str, str] = {}
    for key, value in data.items():
        if key in _SCALARS:
            param, kind, what = _SCALARS[key]
            if not _type_ok(value, kind):
                raise ValueError(f"key {key!r} must be {what}, not {value!r}")
            defaults[param] = value
        elif key in _PATHS:
            if not isinstance(value, str) or not value:
                raise ValueError(f"key {key!r} must be a path (a string), not {value!r}")
            defaults[key] = str(base / value)  # an absolute value stays as it is
        elif key == "peers":
            defaults["peers"] = _peers(value)
        elif key == "initial":
            ids = value if isinstance(value, list) else None
            if ids is None or not ids or not all(_type_ok(i, int) for i in ids):
                raise ValueError(f"key 'initial' must be a list of member ids, not {value!r}")
            defaults["initial"] = ",".join(map(str, ids))
        elif key in ("secret", "password"):
            if not isinstance(value, str) or not value:
                raise ValueError(f"key {key!r} must be a non-empty string")
            if f"{key}_file" in data:
                raise ValueError(f"keys {key!r} and '{key}_file' exclude each other")
            inline[key] = value
        else:
            close = difflib.get_close_matches(key.replace("-", "_"), CONFIG_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown key {key!r}{hint}")
    durability = defaults.get("durability")
    if durability is not None and durability not in ("always", "batch", "off"):
        raise ValueError(f"key 'durability' must be always, batch or off, not {durability!r}")
    machine = defaults.get("machine")
    if machine is not None:
        target, sep, name = machine.rpartition(":")
        if sep and target.endswith(".py"):
            defaults["machine"] = f"{base / target}:{name}"
    return defaults, inline


def _peers(value: object) -> list[str]:
    if not isinstance(value, dict) or not value:
        raise ValueError("key 'peers' must be a table of member id = \"host:port\"")
    out = []
    for ident, address in value.items():
        if not ident.isdigit() or not isinstance(address, str):
            raise ValueError(
                f"key 'peers' must map member ids to \"host:port\", not {ident} = {address!r}"
            )
        out.append(f"{int(ident)}={address}")
    return out


def _load_config(ctx: click.Context, param: click.Parameter, path: Path | None) -> None:
    """Eager ``--config``: the file's values become the defaults options override."""
    if path is None:
        return
    try:
        defaults, inline = read_config(path)
    except ValueError as exc:
        raise click.BadParameter(f"{path}: {exc}", ctx=ctx, param=param) from None
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    ctx.meta[_INLINE] = inline


@click.command()
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    is_eager=True,
    expose_value=False,
    callback=_load_config,
    help="TOML file with any of these options (keys: long option names with '_' for '-', "
    '`peers` as a table of id = "host:port"; `secret`/`password` may be given inline). '
    "Options on the command line override the file.",
)
@click.option("--id", "node_id", type=int, required=True, help="This node's member id.")
@click.option(
    "--peer",
    "peers",
    multiple=True,
    required=True,
    help="ID=HOST:PORT of every member, this node included (repeat).",
)
@click.option(
    "--listen",
    default=None,
    help="HOST:PORT the peer port binds (e.g. 0.0.0.0:7000); default: this node's --peer.",
)
@click.option("--client", "client_address", default=None, help="HOST:PORT for remote clients.")
@click.option(
    "--resp",
    "resp_address",
    default=None,
    help="HOST:PORT for Redis clients (with --machine rabia.kv:KVMachine).",
)
@click.option(
    "--metrics",
    "metrics_address",
    default=None,
    help="HOST:PORT serving Prometheus metrics at GET /metrics (default: none).",
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the password Redis clients must AUTH with.",
)
@resp_tls_options
@client_tls_options
@metrics_tls_options
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
    help="always: fsync every step (survives any crash, even of every node); batch: fsync "
    "every --flush-ms; off: only what must be. batch/off survive process crashes of any "
    "number of nodes, but a power loss of more than f nodes at once stops the cluster.",
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
    "--batch-hold-ms",
    type=click.FloatRange(0, 1000),
    default=2.0,
    show_default=True,
    help="Longest wait of the next proposal for the callers of the batch just decided "
    "(one slot for closed-loop callers instead of two; 0: off).",
)
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
@click.option(
    "--script-budget",
    type=click.IntRange(min=1),
    default=None,
    help="KV machine: Lua instructions a script may run (default 100 million). Same on "
    "every node: a script over it fails alike everywhere.",
)
@click.option(
    "--script-memory",
    type=click.IntRange(min=1),
    default=None,
    help="KV machine: bytes a script may allocate (default 256 MiB).",
)
@reads_option
@insecure_option
@click.option("--log-level", default="INFO", show_default=True)
@click.pass_context
def node(
    ctx: click.Context,
    node_id: int,
    peers: tuple[str, ...],
    listen: str | None,
    client_address: str | None,
    resp_address: str | None,
    metrics_address: str | None,
    password_file: Path | None,
    resp_tls_cert: Path | None,
    resp_tls_key: Path | None,
    resp_tls_ca: Path | None,
    client_tls_cert: Path | None,
    client_tls_key: Path | None,
    client_tls_ca: Path | None,
    metrics_tls_cert: Path | None,
    metrics_tls_key: Path | None,
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
    batch_hold_ms: float,
    max_key_size: int | None,
    max_value_size: int | None,
    max_keys: int | None,
    script_budget: int | None,
    script_memory: int | None,
    reads: str,
    insecure: bool,
    log_level: str,
) -> None:
    """Run one node of a rabia cluster until SIGTERM or Ctrl-C."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    members = _parse_peers(peers)
    inline: dict[str, str] = ctx.meta.get(_INLINE, {})
    # A --secret-file / --password-file on the command line beats an inline value.
    secret = secret_file.read_bytes().strip() if secret_file is not None else None
    if secret is None and "secret" in inline:
        secret = inline["secret"].encode()
    password = password_file.read_bytes().strip() if password_file is not None else None
    if password is None and "password" in inline:
        password = inline["password"].encode()
    tls_parts = (tls_cert, tls_key, tls_ca)
    if any(tls_parts) and not all(tls_parts):
        raise click.UsageError("--tls-cert, --tls-key and --tls-ca go together")
    tls = TlsFiles(tls_cert, tls_key, tls_ca) if tls_cert and tls_key and tls_ca else None
    resp_tls = server_tls("resp", resp_tls_cert, resp_tls_key, resp_tls_ca)
    metrics_tls = server_tls("metrics", metrics_tls_cert, metrics_tls_key)
    client_tls = server_tls("client", client_tls_cert, client_tls_key, client_tls_ca)
    if client_tls is not None and client_address is None:
        raise click.UsageError("--client-tls-cert and --client-tls-key need --client")
    try:
        # Test-only fault injection and broken builds, from the environment (see each module).
        unsafe = unsafe_builds.from_environ(os.environ, UNSAFE_NAMES)
        clock = clock_from_environ(os.environ)
        config = NodeConfig(
            node_id,
            members,
            client_address=client_address,
            metrics_address=metrics_address,
            metrics_tls=metrics_tls,
            client_tls=client_tls,
            bind_address=listen,
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
            batch_hold_ms=batch_hold_ms,
            unsafe=unsafe & set(unsafe_builds.NAMES),
            insecure=insecure,
        )
        client_certificates = resp_tls is not None and resp_tls.ca is not None
        problem = redis_refusal(
            resp_address, password=password is not None, client_certificates=client_certificates
        )
        if problem is not None and not insecure:
            raise ValueError(problem)
        state_machine = load_machine(machine)
        front_ends = _redis_port(
            resp_address, password, unsafe & set(kv_unsafe.NAMES), reads, resp_tls
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    limits = {
        "max_key_size": max_key_size,
        "max_value_size": max_value_size,
        "max_keys": max_keys,
        "script_budget": script_budget,
        "script_memory": script_memory,
    }
    for name, value in limits.items():
        if value is None:
            continue
        if not isinstance(state_machine, KVMachine):
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(f"{flag} needs --machine rabia.kv:KVMachine")
        setattr(state_machine, name, value)

    unsafe_builds.announce(node_id, unsafe)
    if insecure:
        logging.getLogger("rabia.node").warning("%s", INSECURE_WARNING)

    def ready(n: Node) -> None:
        print(
            f"ready node={node_id} peers={members[node_id]} client={client_address} "
            f"resp={resp_address} metrics={metrics_address} "
            f"loop={event_loop_name()} build={compiled.build_name()}"
            + (f" UNSAFE={','.join(sorted(unsafe))}" if unsafe else ""),
            flush=True,
        )

    try:
        run(lambda: serve(config, state_machine, ready, clock=clock, front_ends=front_ends))
    except DataDirInUse as exc:
        raise click.ClickException(f"refusing to start node {node_id}: {exc}") from None
    except StorageCorrupted as exc:
        raise click.ClickException(
            f"refusing to start node {node_id}: {exc}. Its data cannot be trusted; move the "
            "data directory away and rejoin the node as a new member."
        ) from None
    sys.exit(0)


def _redis_port(
    address: str | None,
    password: bytes | None,
    unsafe: frozenset[str],
    reads: str = DEFAULT_READS,
    tls: ServerTls | None = None,
) -> list[FrontEndFactory]:
    """The Redis port's front end, when ``--resp`` asks for one (TLS only, with ``tls``)."""
    if address is None:
        return []
    host, port = parse_address(address)
    context = None if tls is None else tls.context()

    def redis(node: Node) -> RespServer:
        return RespServer(
            node, host, port, password=password, unsafe=unsafe, reads=reads, tls=context
        )

    return [redis]
