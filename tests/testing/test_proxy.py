"""LinkProxy: forwards bytes, cut closes and refuses, restore lets links back up."""

from __future__ import annotations

import asyncio

from rabia.testing.proxy import LinkProxy
from rabia.transport.base import PeerEvent
from rabia.transport.tcp import TcpTransport
from tests.transport.helpers import HOST, Inbox, exchange, run, wait_until


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _closed_by_remote(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), 5) == b""
    except ConnectionError:
        return True


def test_forward_cut_refuse_restore() -> None:
    async def main() -> None:
        server = await asyncio.start_server(_echo, HOST, 0)
        target = server.sockets[0].getsockname()[:2]
        proxy = LinkProxy((HOST, 0), target)
        await proxy.start()

        reader, writer = await asyncio.open_connection(*proxy.address)
        writer.write(b"ping" * 10000)
        assert await asyncio.wait_for(reader.readexactly(40000), 5) == b"ping" * 10000
        assert proxy.connections == 1

        proxy.cut()
        assert await _closed_by_remote(reader)
        writer.close()
        reader2, writer2 = await asyncio.open_connection(*proxy.address)
        assert await _closed_by_remote(reader2)
        writer2.close()
        assert proxy.refused == 1

        proxy.restore()
        reader3, writer3 = await asyncio.open_connection(*proxy.address)
        writer3.write(b"again")
        assert await asyncio.wait_for(reader3.readexactly(5), 5) == b"again"
        await proxy.close()
        assert await _closed_by_remote(reader3)
        writer3.close()
        assert proxy.connections == 0
        server.close()
        await server.wait_closed()

    run(main)


def test_transport_link_through_proxy() -> None:
    async def main() -> None:
        t2 = TcpTransport(2, (HOST, 0), {1: (HOST, 0)}, cluster_id="c", reconnect_max=0.1)
        await t2.listen()
        proxy = LinkProxy((HOST, 0), t2.listen_address)
        await proxy.start()
        t1 = TcpTransport(1, (HOST, 0), {2: proxy.address}, cluster_id="c", reconnect_max=0.1)
        await t1.listen()
        t2.set_peer_address(1, t1.listen_address)
        inbox1, inbox2 = Inbox(), Inbox()
        await t1.start(inbox1.deliver, inbox1.status)
        await t2.start(inbox2.deliver, inbox2.status)
        await inbox1.until(lambda: t1.connected() == {2})
        await inbox2.until(lambda: t2.connected() == {1})
        nodes = [(t1, inbox1), (t2, inbox2)]
        await exchange(nodes, 0)

        proxy.cut()
        await inbox1.until(lambda: (2, PeerEvent.DOWN) in inbox1.events)
        await wait_until(lambda: proxy.refused >= 1)  # t1 keeps dialing, and is refused
        assert t2.connected() == {1}  # the other direction does not cross the proxy

        proxy.restore()
        await inbox1.until(lambda: inbox1.events.count((2, PeerEvent.UP)) == 2)
        await exchange(nodes, 1)
        assert t1.stats[2]["reconnects"] == 1
        await t1.close()
        await t2.close()
        await proxy.close()

    run(main)


def test_delay_holds_bytes_in_order_and_reset_aborts_but_lets_new_links_in() -> None:
    async def main() -> None:
        server = await asyncio.start_server(_echo, HOST, 0)
        target = server.sockets[0].getsockname()[:2]
        proxy = LinkProxy((HOST, 0), target)
        await proxy.start()
        reader, writer = await asyncio.open_connection(*proxy.address)
        proxy.set_delay(0.1, jitter=0.05)  # each way: at least 0.2 s per echo
        loop = asyncio.get_running_loop()
        started = loop.time()
        chunks = [b"%05d" % i for i in range(200)]
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        assert await asyncio.wait_for(reader.readexactly(1000), 5) == b"".join(chunks)
        assert loop.time() - started >= 0.2

        proxy.set_delay(0)
        proxy.reset()
        assert await _closed_by_remote(reader)
        writer.close()
        assert proxy.resets == 1 and proxy.refused == 0
        reader2, writer2 = await asyncio.open_connection(*proxy.address)
        writer2.write(b"again")
        assert await asyncio.wait_for(reader2.readexactly(5), 5) == b"again"
        writer2.close()
        await proxy.close()
        server.close()
        await server.wait_closed()

    run(main)
