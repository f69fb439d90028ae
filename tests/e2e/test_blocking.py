"""Blocking pops on a real 3-process cluster (ADR 0014): a client blocked at one node is
served by a push at another, clients are served in the order they blocked, a timeout or
a client that leaves takes nothing, and a client whose node dies while it waits takes
nothing either: the element is back once the node restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.e2e.cluster import ProcessCluster, free_ports
from tests.support import poll_until

KV = "rabia.kv:KVMachine"


def _kv_cluster(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path
) -> tuple[ProcessCluster, list[int]]:
    ports = free_ports(3)
    extra = {
        i: ["--resp", f"127.0.0.1:{ports[i]}", "--data-dir", str(tmp_path / f"d{i}")]
        for i in range(3)
    }
    cluster = make_cluster(KV, 3, extra_args=extra)
    cluster.start()
    return cluster, ports


async def _blocked(client: aioredis.Redis, count: int, timeout: float = 10.0) -> None:
    """Wait until ``client``'s node reports ``count`` clients blocked (registered)."""

    async def blocked() -> int:
        info = await client.info("clients")
        return int(info["blocked_clients"])

    await poll_until(blocked, lambda n: n == count, timeout=timeout, what=f"{count} blocked")


def test_blocked_clients_are_served_across_nodes_in_order(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path
) -> None:
    _, ports = _kv_cluster(make_cluster, tmp_path)

    async def main() -> None:
        nodes = [aioredis.Redis(port=p, socket_timeout=20) for p in ports]
        waiters = [aioredis.Redis(port=p, socket_timeout=20) for p in ports]
        try:
            pops = []
            for i, waiter in enumerate(waiters):  # node 0's client first, then 1's, 2's
                pops.append(asyncio.create_task(waiter.blpop(["jobs"], timeout=0)))
                await _blocked(nodes[i], 1)
            assert await nodes[1].rpush("jobs", "a", "b", "c") == 3
            got = await asyncio.wait_for(asyncio.gather(*pops), 10)
            assert [value for _, value in got] == [b"a", b"b", b"c"]
            assert [await n.llen("jobs") for n in nodes] == [0, 0, 0]
            # a timeout takes nothing, and leaves nothing behind
            assert await waiters[2].brpop(["jobs"], timeout=0.2) is None
            assert await nodes[0].rpush("jobs", "d") == 1
            assert [await n.lrange("jobs", 0, -1) for n in nodes] == [[b"d"]] * 3
        finally:
            for c in nodes + waiters:
                await c.aclose()

    asyncio.run(main())


def test_a_client_that_leaves_or_whose_node_dies_takes_nothing(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path
) -> None:
    cluster, ports = _kv_cluster(make_cluster, tmp_path)

    async def main() -> None:
        first = aioredis.Redis(port=ports[0], socket_timeout=20)
        leaving = aioredis.Redis(port=ports[1], socket_timeout=20)
        doomed = aioredis.Redis(port=ports[2], socket_timeout=5)
        try:
            pop = asyncio.create_task(leaving.blpop(["q"], timeout=0))
            await _blocked(leaving, 1)
            pop.cancel()  # the client closes its connection while blocked
            await asyncio.gather(pop, return_exceptions=True)
            await leaving.aclose()
            await _blocked(first, 0)
            assert await first.rpush("q", "kept") == 1

            async def length() -> int:
                return int(await first.llen("q"))

            await poll_until(length, lambda n: n == 1, timeout=10, what="element kept")
            assert await first.lpop("q") == b"kept"

            stuck = asyncio.create_task(doomed.blpop(["q"], timeout=0))
            await _blocked(doomed, 1)
            cluster.kill(2)  # its node dies while it waits
            await asyncio.gather(stuck, return_exceptions=True)
            assert await first.rpush("q", "job") == 1
            # served to the dead node's waiter: held until that node's next run resets it
            cluster.start(2)
            await poll_until(length, lambda n: n == 1, timeout=20, what="element returned")
            assert await first.lrange("q", 0, -1) == [b"job"]
        finally:
            for c in (first, leaving, doomed):
                await c.aclose()

    asyncio.run(main())


@pytest.mark.parametrize("protocol", [2, 3])
def test_blocking_commands_through_redis_py(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path, protocol: int
) -> None:
    _, ports = _kv_cluster(make_cluster, tmp_path)

    async def main() -> None:
        a = aioredis.Redis(port=ports[0], protocol=protocol, socket_timeout=20)
        b = aioredis.Redis(port=ports[1], protocol=protocol, socket_timeout=20)
        try:
            move = asyncio.create_task(a.blmove("src", "work", 0, "RIGHT", "LEFT"))
            await _blocked(a, 1)
            await b.rpush("src", "j1")
            assert await asyncio.wait_for(move, 10) == b"j1"
            assert await b.lrange("work", 0, -1) == [b"j1"]
            assert await a.brpoplpush("src", "work", timeout=0.1) is None
            multi = asyncio.create_task(a.blmpop(0, 2, "x", "y", direction="RIGHT", count=2))
            await _blocked(a, 1)
            await b.rpush("y", "1", "2", "3")
            assert await asyncio.wait_for(multi, 10) == [b"y", [b"3", b"2"]]
        finally:
            await a.aclose()
            await b.aclose()

    asyncio.run(main())
