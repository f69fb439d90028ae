"""A node's client port (``rabia.runtime.client_server``) with the Python client: commands
through the log, reads through the read barrier; over TLS (``--client-tls-*``), where a
plaintext client, or one without a certificate where the CA asks for one, is refused."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import click
import pytest
import trustme

from rabia.cli.client_tls import dial_tls
from rabia.cli.status import _collect
from rabia.client import Client
from rabia.codec import FrameReader, frame
from rabia.errors import AuthenticationFailed, Rejected, Unavailable
from rabia.runtime import Node
from rabia.runtime.client_protocol import (
    ClientFrame,
    ClientProof,
    ClientRead,
    ClientRequest,
    MemberRequest,
    ServerHello,
    StatusRequest,
    decode_client,
    encode_client,
)
from rabia.runtime.client_server import ClientServer
from rabia.transport.memory import MemoryNetwork
from rabia.transport.tls import ServerTls
from tests.e2e.test_resp_tls import write_leaf
from tests.runtime.test_node import run_cluster


@contextlib.asynccontextmanager
async def serving(node: Node) -> AsyncIterator[tuple[str, int]]:
    """``node``'s client port on a free loopback port, closed on exit: (host, port)."""
    server = ClientServer(node, "127.0.0.1", 0)
    await server.start()
    try:
        yield server.address
    finally:
        await server.close()


def test_reads_and_commands_share_one_connection() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        async with serving(nodes[1]) as (host, port):
            async with Client([f"{host}:{port}"], timeout=5.0) as client:
                assert await client.submit(b"a") == b"1"
                await nodes[0].submit(b"b")  # acknowledged elsewhere before the read
                assert await client.read(b"len") == b"2"
                results = await asyncio.gather(
                    client.submit(b"c"), client.read(b"len"), client.read(b"len")
                )
                assert results[0] == b"3" and {results[1], results[2]} <= {b"2", b"3"}
                with pytest.raises(Rejected, match="NotImplementedError"):
                    await client.read(b"no such query")
            assert nodes[1].stats()["applied_slot"] == nodes[0].stats()["applied_slot"] >= 2

    run_cluster(body)


SECRET = b"the client port's secret"


async def _outsider(host: str, port: int, request: ClientFrame) -> list[ClientFrame]:
    """Send ``request`` without proving the secret; every frame the node sent until it
    closed the connection."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(frame(encode_client(request)))
        data = await asyncio.wait_for(reader.read(), 10)  # until the node closes
    finally:
        writer.close()
    return [decode_client(payload) for payload in FrameReader().feed(data)]


def test_an_outsider_cannot_submit_read_ask_or_reconfigure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        async with serving(nodes[1]) as (host, port):
            address = f"{host}:{port}"
            async with Client([address], timeout=5.0, secret=SECRET) as client:
                assert await client.submit(b"a") == b"1"
            with pytest.raises(AuthenticationFailed, match="asks for the cluster secret"):
                async with Client([address]) as outsider:
                    await outsider.submit(b"x")
            with pytest.raises(AuthenticationFailed, match="refused our proof"):
                async with Client([address], secret=b"a guess") as outsider:
                    await outsider.submit(b"x")
            attempts: list[ClientFrame] = [
                ClientRequest(7, 0, b"x"),
                ClientRead(7, 1, b"len"),
                StatusRequest(1),
                MemberRequest(2, remove=[2]),
                ClientProof(b"0" * 16, b"not a mac"),
            ]
            for request in attempts:  # each answered by the greeting only, then cut
                frames = await _outsider(host, port, request)
                assert len(frames) == 1 and isinstance(frames[0], ServerHello), frames
                assert frames[0].auth
            async with Client([address], timeout=5.0, secret=SECRET) as client:
                assert await client.submit(b"b") == b"2"  # nothing of the outsiders applied
                assert await client.read(b"len") == b"2"
            assert nodes[1].members() == (0, 1, 2)

    with caplog.at_level(logging.WARNING, logger="rabia.clients"):
        run_cluster(body, secret=SECRET)
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 6, refusals  # one line per attempt (a client without the
    # secret stops at the greeting: the node hears nothing from it to refuse)
    assert sum("not authenticated" in r for r in refusals) == 4
    assert sum("wrong proof" in r for r in refusals) == 2


def test_membership_changes_need_a_client_that_proved_the_secret() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        async with serving(nodes[0]) as (host, port):
            async with Client([f"{host}:{port}"], timeout=5.0) as client:
                assert await client.submit(b"a") == b"1"  # commands: yes (loopback, no secret)
                with pytest.raises(Rejected, match="membership changes need"):
                    await client.reconfigure(remove=[2])
                with pytest.raises(AuthenticationFailed, match="no cluster secret"):
                    async with Client([f"{host}:{port}"], secret=SECRET) as wrong_cluster:
                        await wrong_cluster.status()
            assert nodes[0].members() == (0, 1, 2)

    run_cluster(body)


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
