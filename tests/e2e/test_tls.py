"""Mutual TLS on peer links between real processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import trustme

from rabia.client import Client
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import wait_converged

SECRET = b"and a secret too"

MakeCluster = Callable[..., ProcessCluster]


def _tls_args(tmp: Path, ca: trustme.CA, name: str) -> list[str]:
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, ca_file = tmp / f"{name}.pem", tmp / f"{name}.key", tmp / f"{name}-ca.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    return ["--tls-cert", str(cert), "--tls-key", str(key), "--tls-ca", str(ca_file)]


def test_cluster_over_mutual_tls(make_cluster: MakeCluster, tmp_path: Path) -> None:
    ca = trustme.CA()
    args = {i: _tls_args(tmp_path, ca, f"node{i}") for i in range(3)}
    cluster = make_cluster(extra_args=args, secret=SECRET)
    cluster.start()

    async def main() -> None:
        async with Client(cluster.addresses(), timeout=10, secret=SECRET) as client:
            for k in range(20):
                await client.submit(b"tls-%d" % k)
        statuses = await wait_converged(cluster.addresses(), secret=SECRET)
        assert len({s["log_hash"] for s in statuses}) == 1

    asyncio.run(main())


def test_a_node_with_a_foreign_certificate_is_refused(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    ca, rogue_ca = trustme.CA(), trustme.CA()
    args = {i: _tls_args(tmp_path, ca, f"node{i}") for i in range(2)}
    args[2] = _tls_args(tmp_path, rogue_ca, "rogue")
    cluster = make_cluster(extra_args=args, ports=free_ports(6))
    cluster.start()
    cluster.wait_for_log(0, "TLS with peer 2", timeout=15)  # node 0 refuses the rogue

    async def main() -> None:
        async with Client(cluster.addresses(0, 1), timeout=10) as client:
            for k in range(5):
                await client.submit(b"ok-%d" % k)  # the two genuine members form a quorum
        async with Client(cluster.addresses(2)) as rogue:
            status = await rogue.status()
            assert status["applied_slot"] == -1  # the rogue learned nothing

    asyncio.run(main())
