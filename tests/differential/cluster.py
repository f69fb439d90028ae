"""A `rabia up` cluster beside redis-server: the same commands, spread over the nodes.

``ClusterSide`` sends command i to node i mod n (each node's own RESP connection), so a
write at one node is read at another; ``states`` reads the whole keyspace back at every
node. Linearizability makes the spread invisible: every reply must equal redis-server's.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path

import redis

from rabia.client import Client
from tests.differential.check import order_free
from tests.differential.oracle import Command, RedisOracle, RespSocket, differences, read_state
from tests.e2e.redis_up import RabiaUp


class ClusterSide:
    """One connection to each node of a running `rabia up`."""

    def __init__(self, up: RabiaUp) -> None:
        self.nodes = [RespSocket(port) for port in up.ports]
        self._next = itertools.count()

    def call(self, args: Command) -> bytes:
        """Send ``args`` to the next node in turn."""
        return self.nodes[next(self._next) % len(self.nodes)].call(args)

    def close(self) -> None:
        for node in self.nodes:
            node.close()


def same_behaviour_on_cluster(
    cluster: ClusterSide, oracle: RedisOracle, commands: Sequence[Command]
) -> None:
    """From empty: every reply equals redis-server's, and every node's final keyspace
    equals redis-server's."""
    oracle.reset()
    assert cluster.nodes[0].call([b"FLUSHDB"]) == b"+OK\r\n"
    assert cluster.nodes[0].call([b"SCRIPT", b"FLUSH"]) == b"+OK\r\n"
    pairs = [(c, cluster.call(c), oracle.call(c)) for c in commands]
    pairs = [(c, order_free(c, ours), order_free(c, theirs)) for c, ours, theirs in pairs]
    problems = list(differences(pairs))
    assert problems == [], "\n".join(problems)
    theirs = read_state(oracle.call)
    for index, node in enumerate(cluster.nodes):
        ours = read_state(node.call)
        assert ours == theirs, f"node {index} differs:\nrabia {ours}\nredis {theirs}"


def start_cluster(data_dir: Path) -> RabiaUp:
    """A 3-node `rabia up` in ``data_dir``, ready."""
    up = RabiaUp(data_dir)
    up.start()
    return up


Status = dict[str, int | float | str | None]
"""A node's status as ``Client.status`` gives it."""


def pipeline_reads_own_writes(up: RabiaUp, node: int, rounds: int) -> Status:
    """Pipeline ``SET k i; GET k; APPEND k x; GET k`` ``rounds`` times at ``node``: each
    GET must see the write before it and not the one after it, as in Redis. Returns the
    node's status (``rabia up``: client port = RESP port + 2000) for the read counters."""
    client = redis.Redis(port=up.ports[node], protocol=2)
    try:
        for i in range(rounds):
            pipe = client.pipeline(transaction=False)
            pipe.set("k", i).get("k").append("k", "x").get("k")
            assert pipe.execute() == [True, b"%d" % i, len(str(i)) + 1, b"%dx" % i]
    finally:
        client.close()
    secret = (up.data_dir / "cluster.secret").read_bytes().strip()  # made by rabia up
    return asyncio.run(_status(up.ports[node] + 2000, secret))


async def _status(port: int, secret: bytes) -> Status:
    async with Client([f"127.0.0.1:{port}"], secret=secret) as client:
        return await client.status()
