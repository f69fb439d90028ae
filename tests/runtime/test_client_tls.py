"""TLS on a node's client port (``--client-tls-*``): ``rabia.Client`` over TLS submits and
reads; a plaintext client, or one without a certificate where the CA asks for one, is
refused while TLS clients keep being served."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import click
import pytest
import trustme

from rabia.cli.options import dial_tls
from rabia.cli.status import _collect
from rabia.client import Client
from rabia.errors import Unavailable
from rabia.runtime import Node
from rabia.runtime.client_server import ClientServer
from rabia.transport.memory import MemoryNetwork
from rabia.transport.tls import ServerTls
from tests.e2e.test_resp_tls import write_leaf
from tests.runtime.test_node import run_cluster


@contextlib.asynccontextmanager
async def serving_tls(node: Node, tls: ServerTls) -> AsyncIterator[str]:
    """``node``'s client port over TLS on a free loopback port: its ``host:port``."""
    server = ClientServer(node, "127.0.0.1", 0, tls=tls.context())
    await server.start()
    try:
        host, port = server.address
        yield f"{host}:{port}"
    finally:
        await server.close()


def client_context(ca: Path, leaf: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    """A client's context trusting ``ca``, presenting ``leaf`` (certificate, key) if given."""
    context = ssl.create_default_context(cafile=str(ca))
    if leaf is not None:
        context.load_cert_chain(str(leaf[0]), str(leaf[1]))
    return context


@pytest.fixture
def pki(tmp_path: Path) -> tuple[Path, tuple[Path, Path], tuple[Path, Path]]:
    """A CA file, the node's certificate and key, and a client's certificate and key."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    return ca_file, write_leaf(ca, tmp_path, "node"), write_leaf(ca, tmp_path, "client")


def test_a_tls_client_submits_and_reads_and_a_plaintext_one_is_refused(
    pki: tuple[Path, tuple[Path, Path], tuple[Path, Path]],
) -> None:
    ca, (cert, key), _ = pki

    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        async with serving_tls(nodes[0], ServerTls(cert, key)) as address:
            with pytest.raises(Unavailable, match=r"a TLS port\? pass tls="):
                async with Client([address], timeout=5.0, connect_timeout=0.5) as plain:
                    await plain.submit(b"never")
            async with Client([address], timeout=5.0, tls=client_context(ca)) as client:
                assert await client.submit(b"a") == b"1"
                assert await client.read(b"len") == b"1"

    run_cluster(body)


def test_with_a_ca_the_client_port_wants_a_certificate_of_it(
    pki: tuple[Path, tuple[Path, Path], tuple[Path, Path]],
) -> None:
    ca, (cert, key), leaf = pki

    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        async with serving_tls(nodes[0], ServerTls(cert, key, ca)) as address:
            with pytest.raises(Unavailable):
                async with Client([address], timeout=5.0, tls=client_context(ca)) as anonymous:
                    await anonymous.submit(b"never")
            async with Client([address], timeout=5.0, tls=client_context(ca, leaf)) as client:
                assert await client.submit(b"a") == b"1"

    run_cluster(body)


def test_rabia_status_reaches_a_tls_client_port_with_its_tls_options(
    pki: tuple[Path, tuple[Path, Path], tuple[Path, Path]],
) -> None:
    ca, (cert, key), (leaf_cert, leaf_key) = pki

    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        async with serving_tls(nodes[0], ServerTls(cert, key, ca)) as address:
            tls = dial_tls(ca, leaf_cert, leaf_key)
            [(_, status, error)] = await _collect([address], None, tls)
            assert status is not None and status["node_id"] == 0, error
            [(_, none, refused)] = await _collect([address], None, dial_tls(ca, None, None))
            assert none is None and refused

    run_cluster(body)


def test_dial_tls_options_go_together(
    pki: tuple[Path, tuple[Path, Path], tuple[Path, Path]],
) -> None:
    ca, _, (cert, key) = pki
    assert dial_tls(None, None, None) is None
    assert isinstance(dial_tls(ca, cert, key), ssl.SSLContext)
    for args, message in (
        ((None, cert, key), "--tls-cert and --tls-key need --tls-ca"),
        ((ca, cert, None), "--tls-cert and --tls-key go together"),
    ):
        with pytest.raises(click.UsageError, match=message):
            dial_tls(*args)
