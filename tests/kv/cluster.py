"""An in-process KV cluster (memory transport) with a Redis port per node, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rabia.kv.machine import KVMachine
from rabia.kv.server import RespServer
from rabia.runtime import Node, NodeConfig
from rabia.transport.memory import MemoryNetwork, MemoryTransport


@asynccontextmanager
async def kv_cluster(n: int = 3) -> AsyncIterator[tuple[list[Node], list[RespServer]]]:
    """``n`` started nodes and their started Redis servers (on free loopback ports)."""
    members = {i: f"127.0.0.1:{7000 + i}" for i in range(n)}
    network = MemoryNetwork()
    nodes = [
        Node(NodeConfig(i, members), KVMachine(), transport=MemoryTransport(network, i, members))
        for i in members
    ]
    servers = [RespServer(node, "127.0.0.1", 0) for node in nodes]
    try:
        for node, server in zip(nodes, servers, strict=True):
            await node.start()
            await server.start()
        yield nodes, servers
    finally:
        for server in servers:
            await server.close()
        for node in nodes:
            await node.stop()


def address(server: RespServer) -> str:
    """``host:port`` of a server."""
    host, port = server.address
    return f"{host}:{port}"
