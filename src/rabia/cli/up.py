"""``rabia up``: a local KV cluster (one process per node) for trying rabia out."""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import click

from rabia.cli.client_tls import pass_resp_tls, resp_tls_options, server_tls
from rabia.cli.options import DEFAULT_DATA_DIR, SECRET_NAME, insecure_option, reads_option


def cluster_secret(data_dir: Path) -> Path:
    """DATA_DIR/cluster.secret, made (random, 256 bits, readable by its owner only) on
    first use and kept: the nodes prove it to each other and clients prove it to them."""
    path = data_dir / SECRET_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
    return path


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when ``rabia up`` dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return  # not Linux: Ctrl-C and SIGTERM still stop the children
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1

PORT_OFFSETS = (0, 1000, 2000, 3000)
"""Node i of ``rabia up --resp-port P`` listens on P+offset+i: RESP, peer, client, metrics."""


def free_port_base(nodes: int, first: int = 21000, last: int = 29000) -> int:
    """A ``--resp-port`` in [first, last) whose every port (``PORT_OFFSETS``) is free now."""
    for base in range(first, last, 10):
        socks: list[socket.socket] = []
        try:
            for port in (base + off + i for off in PORT_OFFSETS for i in range(nodes)):
                sock = socket.socket()
                socks.append(sock)
                # As the servers bind (asyncio sets SO_REUSEADDR): a port whose only use is
                # connections in TIME_WAIT is free for them, and a benchmark leaves many.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no free port range for {nodes} nodes in [{first}, {last})")


@click.command()
@click.option("--nodes", default=3, show_default=True, type=click.IntRange(1, 9))
@click.option(
    "--data-dir",
    default=DEFAULT_DATA_DIR,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Each node keeps its data under DATA_DIR/node<ID> (durability: always).",
)
@click.option(
    "--resp-port",
    default=6380,
    show_default=True,
    type=click.IntRange(1, 65535 - 3000 - 8),
    help="Redis port of node 0; node i listens on RESP_PORT + i.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the password Redis clients must AUTH with (every node).",
)
@click.option("--max-key-size", type=click.IntRange(min=1), default=None, help="Bytes per key.")
@click.option("--max-value-size", type=click.IntRange(min=1), default=None, help="Bytes per value.")
@click.option("--max-keys", type=click.IntRange(min=1), default=None, help="Keys stored at most.")
@click.option(
    "--script-budget",
    type=click.IntRange(min=1),
    default=None,
    help="Lua instructions a script may run.",
)
@resp_tls_options
@reads_option
@insecure_option
def up(
    nodes: int,
    data_dir: Path,
    resp_port: int,
    host: str,
    password_file: Path | None,
    max_key_size: int | None,
    max_value_size: int | None,
    max_keys: int | None,
    script_budget: int | None,
    resp_tls_cert: Path | None,
    resp_tls_key: Path | None,
    resp_tls_ca: Path | None,
    reads: str,
    insecure: bool,
) -> None:
    """Start a local cluster of KV nodes speaking the Redis protocol; Ctrl-C stops it.

    Peer links use ports RESP_PORT+1000+i, client ports RESP_PORT+2000+i and Prometheus
    metrics (GET /metrics) ports RESP_PORT+3000+i. Nodes and clients (`rabia status`,
    `rabia member`) prove the cluster secret DATA_DIR/cluster.secret, made on first start.
    With --resp-tls-cert/--resp-tls-key every node's Redis port speaks TLS only.
    """
    tls = server_tls("resp", resp_tls_cert, resp_tls_key, resp_tls_ca)
    peers = [f"--peer={i}={host}:{resp_port + 1000 + i}" for i in range(nodes)]
    secret = cluster_secret(data_dir)
    options = ["--secret-file", str(secret)] + (["--insecure"] if insecure else [])
    if password_file is not None:
        options += ["--password-file", str(password_file)]
    options += pass_resp_tls(tls)
    for flag, value in (
        ("--max-key-size", max_key_size),
        ("--max-value-size", max_value_size),
        ("--max-keys", max_keys),
        ("--script-budget", script_budget),
    ):
        if value is not None:
            options += [flag, str(value)]
    children: list[subprocess.Popen[str]] = []
    ready = threading.Semaphore(0)
    stop = threading.Event()

    def watch(child: subprocess.Popen[str], node: int) -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ready "):
                ready.release()
            elif "WARNING" in line or "ERROR" in line or "CRITICAL" in line:
                click.echo(f"[node {node}] {line.rstrip()}", err=True)
        if not stop.is_set():
            click.echo(f"node {node} exited with status {child.wait()}", err=True)
            stop.set()
            ready.release()

    def shutdown(signum: int, frame: object) -> None:
        stop.set()
        ready.release()

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        for i in range(nodes):
            cmd = [sys.executable, "-m", "rabia", "node", "--id", str(i), *peers]
            cmd += [
                "--resp",
                f"{host}:{resp_port + i}",
                "--client",
                f"{host}:{resp_port + 2000 + i}",
                "--metrics",
                f"{host}:{resp_port + 3000 + i}",
            ]
            cmd += ["--machine", "rabia.kv:KVMachine", "--data-dir", str(data_dir / f"node{i}")]
            cmd += [*options, "--reads", reads, "--log-level", "WARNING"]
            child = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                preexec_fn=_die_with_parent,
            )
            children.append(child)
            threading.Thread(target=watch, args=(child, i), daemon=True).start()
        for _ in range(nodes):
            ready.acquire()
            if stop.is_set():
                raise click.ClickException("a node failed to start (see above)")
        for i in range(nodes):
            click.echo(
                f"node {i}: {'rediss' if tls else 'redis'}://{host}:{resp_port + i}  "
                f"metrics: http://{host}:{resp_port + 3000 + i}/metrics  "
                f"(data: {data_dir / f'node{i}'})"
            )
        click.echo(f"cluster secret: {secret} (rabia status/member --secret-file)")
        cli = "redis-cli" + (" --tls --cacert CA.pem" if tls else "")  # CA of the node cert
        if tls is not None and tls.ca is not None:
            cli += " --cert CLIENT.pem --key CLIENT.key"  # signed by --resp-tls-ca
        click.echo(f"ready: {nodes} nodes; try `{cli} -p {resp_port} set hello world`")
        stop.wait()
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        click.echo("stopped")
