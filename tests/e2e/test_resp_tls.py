"""TLS on the Redis port between real processes: `rabia up --resp-tls-*` (TLS only, any
TLS client) and `rabia node --resp-tls-ca` (mutual TLS, with HTTPS metrics), driven by
redis-py and redis-cli; plaintext clients and clients without a certificate of the CA are
refused while the nodes keep serving."""

from __future__ import annotations

import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import trustme

from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.redis_up import CALL_TIMEOUT, RabiaUp, no_retry, require_redis_cli

MakeCluster = Callable[..., ProcessCluster]


def write_leaf(ca: trustme.CA, directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by ``ca`` and its key, as PEM files."""
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    leaf.cert_chain_pems[0].write_to_path(cert)
    leaf.private_key_pem.write_to_path(key)
    return cert, key


def tls_client(port: int, ca: Path, leaf: tuple[Path, Path] | None = None) -> redis.Redis:
    """redis-py over TLS, trusting ``ca``, presenting ``leaf`` (certificate, key) if given."""
    cert, key = leaf if leaf is not None else (None, None)
    return redis.Redis(
        host="127.0.0.1",
        port=port,
        ssl=True,
        ssl_ca_certs=str(ca),
        ssl_certfile=None if cert is None else str(cert),
        ssl_keyfile=None if key is None else str(key),
        retry=no_retry(),
        socket_timeout=CALL_TIMEOUT,
        socket_connect_timeout=CALL_TIMEOUT,
    )


def cli(port: int, *args: str) -> subprocess.CompletedProcess[str]:
    """One redis-cli run (bounded); skipped when redis-cli lacks TLS support."""
    path = require_redis_cli()
    if "--tls" in args:
        usage = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10)
        if "--tls" not in usage.stdout + usage.stderr:
            pytest.skip("this redis-cli was built without TLS support (no --tls in --help)")
    return subprocess.run(
        [path, "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=CALL_TIMEOUT * 3,
        check=False,
    )


def refused(client: redis.Redis) -> bool:
    """True when ``client``'s PING fails at the connection (never with a reply)."""
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return True
    finally:
        client.close()
    return False


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RabiaUp, Path]]:
    """A 3-node `rabia up` whose Redis ports speak TLS only; and the CA that signed them."""
    root = tmp_path_factory.mktemp("resp-tls")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(root / "ca.pem")
    cert, key = write_leaf(ca, root, "node")
    cluster = RabiaUp(root / "data", 3, ["--resp-tls-cert", str(cert), "--resp-tls-key", str(key)])
    cluster.start()
    try:
        yield cluster, root / "ca.pem"
    finally:
        cluster.assert_clean_stop()


def test_rabia_up_serves_redis_py_over_tls_at_every_node(up: tuple[RabiaUp, Path]) -> None:
    cluster, ca = up
    assert any(f"rediss://127.0.0.1:{cluster.ports[0]}" in line for line in cluster.lines)
    clients = [tls_client(port, ca) for port in cluster.ports]
    try:
        for i, client in enumerate(clients):
            assert client.set(f"k{i}", f"v{i}")
        for client in clients:  # every node reads every node's write
            assert client.mget("k0", "k1", "k2") == [b"v0", b"v1", b"v2"]
    finally:
        for client in clients:
            client.close()


def test_redis_cli_over_tls(up: tuple[RabiaUp, Path]) -> None:
    cluster, ca = up
    tls = ("--tls", "--cacert", str(ca))
    for port in cluster.ports:
        assert cli(port, *tls, "PING").stdout == "PONG\n"
    assert cli(cluster.ports[0], *tls, "SET", "cli", "yes").stdout == "OK\n"
    assert cli(cluster.ports[2], *tls, "GET", "cli").stdout == "yes\n"


def test_plaintext_clients_are_refused_and_the_node_keeps_serving(
    up: tuple[RabiaUp, Path],
) -> None:
    cluster, ca = up
    port = cluster.ports[1]
    for _ in range(3):
        assert refused(redis.Redis(host="127.0.0.1", port=port, retry=no_retry()))
    plain = cli(port, "PING")
    assert "PONG" not in plain.stdout, plain
    client = tls_client(port, ca)
    try:
        assert client.ping() and client.incr("after-plaintext") == 1
    finally:
        client.close()


def test_mutual_tls_serves_only_clients_with_a_certificate_of_the_ca(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    ca, rogue = trustme.CA(), trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    cert, key = write_leaf(ca, tmp_path, "node")
    client_leaf = write_leaf(ca, tmp_path, "client")
    rogue_leaf = write_leaf(rogue, tmp_path, "rogue")
    peer, client_port, resp, metrics = free_ports(4)
    args = ["--resp", f"127.0.0.1:{resp}", "--metrics", f"127.0.0.1:{metrics}"]
    args += [
        "--resp-tls-cert",
        str(cert),
        "--resp-tls-key",
        str(key),
        "--resp-tls-ca",
        str(ca_file),
    ]
    args += ["--metrics-tls-cert", str(cert), "--metrics-tls-key", str(key)]
    cluster = make_cluster("rabia.kv:KVMachine", 1, ports=[peer, client_port], extra_args={0: args})
    cluster.start()

    assert refused(tls_client(resp, ca_file))  # no certificate
    assert refused(tls_client(resp, ca_file, rogue_leaf))  # a certificate of another CA
    good = tls_client(resp, ca_file, client_leaf)
    try:
        assert good.set("m", "tls") and good.get("m") == b"tls"
    finally:
        good.close()

    tls = ("--tls", "--cacert", str(ca_file))
    assert "PONG" not in cli(resp, *tls, "PING").stdout
    rogue_args = ("--cert", str(rogue_leaf[0]), "--key", str(rogue_leaf[1]))
    assert "PONG" not in cli(resp, *tls, *rogue_args, "PING").stdout
    signed = ("--cert", str(client_leaf[0]), "--key", str(client_leaf[1]))
    assert cli(resp, *tls, *signed, "GET", "m").stdout == "tls\n"

    assert b"rabia_applied_slots_total" in https_get(metrics, ca_file)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=CALL_TIMEOUT)


def https_get(port: int, ca: Path) -> bytes:
    """GET /metrics over HTTPS, trusting ``ca``."""
    context = ssl.create_default_context(cafile=str(ca))
    url = f"https://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=CALL_TIMEOUT, context=context) as answer:
        body: bytes = answer.read()
        return body
