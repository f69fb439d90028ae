"""``NodeConfig.bind_address`` (``rabia node --listen``): bind one address, be dialed at another."""

from __future__ import annotations

import asyncio

import pytest

from rabia.runtime import Node, NodeConfig
from rabia.testing.proxy import LinkProxy
from tests.e2e.cluster import free_ports
from tests.runtime.test_node import Log
from tests.support import poll_until


def test_listen_address_defaults_to_the_own_peer_entry() -> None:
    members = {0: "127.0.0.1:7000", 1: "127.0.0.1:7001"}
    assert NodeConfig(0, members).listen_address() == ("127.0.0.1", 7000)
    bound = NodeConfig(0, members, bind_address="0.0.0.0:7100")
    assert bound.listen_address() == ("0.0.0.0", 7100)
    with pytest.raises(ValueError, match="host:port"):
        NodeConfig(0, members, bind_address="7100")


def test_a_node_bound_behind_a_forwarder_is_reached_at_its_advertised_address() -> None:
    async def main() -> None:
        advertised, bound, one, two = free_ports(4)
        members = {0: f"127.0.0.1:{advertised}", 1: f"127.0.0.1:{one}", 2: f"127.0.0.1:{two}"}
        proxy = LinkProxy(("127.0.0.1", advertised), target=("127.0.0.1", bound))  # a NAT
        await proxy.start()
        configs = [
            NodeConfig(0, members, bind_address=f"127.0.0.1:{bound}"),
            NodeConfig(1, members),
            NodeConfig(2, members),
        ]
        nodes = [Node(config, Log()) for config in configs]
        for node in nodes:
            await node.start()
        try:
            await poll_until(
                lambda: asyncio.sleep(0, [0 in n.transport.connected() for n in nodes[1:]]),
                lambda up: all(up),
                timeout=10,
                what="peers linked to node 0 through its advertised address",
            )
            assert await nodes[0].submit(b"hello", timeout=10) == b"1"
        finally:
            for node in nodes:
                await node.stop()
            await proxy.close()

    asyncio.run(main())
