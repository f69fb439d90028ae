"""Transports can gain and lose peers while running (for membership changes)."""

from __future__ import annotations

import asyncio

from rabia.core.messages import Status
from rabia.transport.memory import MemoryNetwork, MemoryTransport
from rabia.transport.tcp import TcpTransport
from tests.support import poll_until


def test_tcp_add_and_remove_peer() -> None:
    async def main() -> None:
        got: dict[int, list[object]] = {0: [], 1: [], 2: []}
        a = TcpTransport(0, ("127.0.0.1", 0), {1: ("127.0.0.1", 1)}, cluster_id="c")
        b = TcpTransport(1, ("127.0.0.1", 0), {0: ("127.0.0.1", 1)}, cluster_id="c")
        c = TcpTransport(2, ("127.0.0.1", 0), {0: ("127.0.0.1", 1)}, cluster_id="c")
        for t in (a, b, c):
            await t.listen()
        a.set_peer_address(1, b.listen_address)
        b.set_peer_address(0, a.listen_address)
        c.set_peer_address(0, a.listen_address)
        for i, t in enumerate((a, b, c)):
            await t.start(got[i].append)
        try:
            await poll_until(lambda: asyncio.sleep(0, a.connected()), lambda p: p == {1}, timeout=5)
            a.add_peer(2, c.listen_address)  # node 0 learns of node 2
            await poll_until(
                lambda: asyncio.sleep(0, a.connected()), lambda p: p == {1, 2}, timeout=5
            )
            a.send(2, Status(7, 0))
            a.flush()
            await poll_until(lambda: asyncio.sleep(0, got[2]), lambda g: len(g) == 1, timeout=5)
            a.remove_peer(1)
            assert a.connected() == {2} and a.peers == {2}
        finally:
            for t in (a, b, c):
                await t.close()
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not leftover, leftover

    asyncio.run(main())


def test_memory_add_and_remove_peer() -> None:
    async def main() -> None:
        network = MemoryNetwork()
        got: list[object] = []
        a = MemoryTransport(network, 0, [0, 1])
        c = MemoryTransport(network, 2, [0, 2])
        await a.start(lambda m: None)
        await c.start(got.append)
        a.add_peer(2, ("127.0.0.1", 1))
        a.send(2, Status(3, 0))
        await poll_until(lambda: asyncio.sleep(0, got), lambda g: len(g) == 1, timeout=5)
        a.remove_peer(2)
        assert 2 not in a.peers
        await a.close()
        await c.close()

    asyncio.run(main())
