"""A node's client port (``rabia.runtime.client_server``) with the Python client: commands
through the log, reads through the read barrier."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from rabia.client import Client
from rabia.codec import FrameReader, frame
from rabia.errors import AuthenticationFailed, Rejected
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
