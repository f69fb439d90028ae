"""A node's client port (``rabia.runtime.client_server``) with the Python client: commands
through the log, reads through the read barrier."""

from __future__ import annotations

import asyncio

import pytest

from rabia.client import Client
from rabia.errors import Rejected
from rabia.runtime import Node
from rabia.runtime.client_server import ClientServer
from rabia.transport.memory import MemoryNetwork
from tests.runtime.test_node import run_cluster


def test_reads_and_commands_share_one_connection() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        server = ClientServer(nodes[1], "127.0.0.1", 0)
        await server.start()
        host, port = server.address
        try:
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
        finally:
            await server.close()

    run_cluster(body)
