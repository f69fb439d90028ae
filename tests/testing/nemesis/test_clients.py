"""The nemesis clients: a transaction never continues on a new connection."""

from __future__ import annotations

import asyncio

import pytest

from rabia.testing.nemesis.clients import RequestFailed, RespClient


class DroppingServer:
    """Answers ``+OK`` to the first command of each connection, then closes it."""

    def __init__(self) -> None:
        self.connections = 0
        self.commands: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        data = await reader.read(65536)
        self.commands.append(data)
        writer.write(b"+OK\r\n")
        await writer.drain()
        writer.close()


async def run(pinned: bool) -> tuple[DroppingServer, list[str]]:
    fake = DroppingServer()
    server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = RespClient([("127.0.0.1", port)], 0, timeout=5.0)
    outcomes = []
    try:
        assert await client.call("WATCH", "k") == b"OK"
        client.pinned = pinned
        for command in ("GET", "MULTI"):
            try:
                await client.call(command, "k")
                outcomes.append("ok")
            except RequestFailed as exc:
                outcomes.append(exc.outcome)
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()
    return fake, outcomes


def test_a_pinned_client_does_not_reconnect_after_its_connection_is_lost() -> None:
    fake, outcomes = asyncio.run(run(pinned=True))
    assert fake.connections == 1
    assert outcomes[-1] == "fail"  # MULTI was never sent anywhere
    assert not any(b"MULTI" in command for command in fake.commands)


def test_an_unpinned_client_reconnects() -> None:
    fake, outcomes = asyncio.run(run(pinned=False))
    assert fake.connections >= 2
    assert "ok" in outcomes


@pytest.mark.parametrize("pinned", [True, False])
def test_watch_is_answered_before_the_drop(pinned: bool) -> None:
    fake, _ = asyncio.run(run(pinned))
    assert fake.commands[0].startswith(b"*2\r\n$5\r\nWATCH")
