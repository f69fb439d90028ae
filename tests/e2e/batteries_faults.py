"""The fault schedule shared by the battery suites (test_batteries*.py): a 3-node
cluster with a secret whose peer links go through proxies, one node SIGKILLed and
restarted, another partitioned and reconnected, under a caller's load."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from rabia.client import Client
from rabia.testing.proxy import LinkProxy
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import wait_converged

MakeCluster = Callable[..., ProcessCluster]
SECRET = b"batteries e2e secret"
WORKERS = 3
RUN = 0.8
"""Seconds of load before the kill, while the node is down, and after its restart."""


def make(make_cluster: MakeCluster, tmp_path: Path, name: str) -> ProcessCluster:
    """A 3-node cluster serving battery ``name`` whose peer links all go through
    ``LinkProxy`` ports (``peer_map``), so that a test can partition a node."""
    n = 3
    ports = free_ports(2 * n + n * (n - 1))
    links = iter(ports[2 * n :])
    peer_map = {(s, d): next(links) for s in range(n) for d in range(n) if s != d}
    extra = {i: ["--data-dir", str(tmp_path / f"data{i}")] for i in range(n)}
    return make_cluster(
        f"rabia.objects.batteries:{name}",
        secret=SECRET,
        extra_args=extra,
        peer_map=peer_map,
        ports=ports[: 2 * n],
    )


def client_for(cluster: ProcessCluster, worker: int) -> Client:
    """A client that starts on node ``worker % 3`` (so some start on the killed node)."""
    addresses = cluster.addresses()
    k = worker % len(addresses)
    return Client(addresses[k:] + addresses[:k], secret=SECRET, timeout=20.0)


Load = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def every_worker(worker: Callable[[int, asyncio.Event], Coroutine[Any, Any, None]]) -> Load:
    """A load that runs ``worker(k, stop)`` for each of the ``WORKERS`` clients."""

    async def load(stop: asyncio.Event) -> None:
        await asyncio.gather(*(worker(k, stop) for k in range(WORKERS)))

    return load


async def under_faults(
    cluster: ProcessCluster,
    load: Load,
    check: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    """Start the cluster and run ``load(stop)`` through the faults: node 0 killed
    (SIGKILL) then restarted, then node 2 cut off from both peers then reconnected;
    stop the load after; check that every node ends with the same state, then run
    ``check()`` (links still up)."""
    proxies = [
        LinkProxy(("127.0.0.1", port), ("127.0.0.1", cluster.nodes[d].peer_port))
        for (_, d), port in cluster.peer_map.items()
    ]
    node2_links = [p for (link, p) in zip(cluster.peer_map, proxies, strict=True) if 2 in link]
    for proxy in proxies:
        await proxy.start()
    try:
        await asyncio.to_thread(cluster.start)
        stop = asyncio.Event()
        task = asyncio.create_task(load(stop))
        # The schedule of the faults (sleeps here pace the faults, they wait for nothing):
        await asyncio.sleep(RUN)
        cluster.kill(0, signal.SIGKILL)
        await asyncio.sleep(RUN)
        await asyncio.to_thread(cluster.start, 0)
        await asyncio.sleep(RUN)
        for proxy in node2_links:
            proxy.cut()
        await asyncio.sleep(RUN)
        for proxy in node2_links:
            proxy.restore()
        await asyncio.sleep(RUN)
        stop.set()
        await asyncio.wait_for(task, 60)
        statuses = await wait_converged(cluster.addresses(), timeout=20, secret=SECRET)
        assert len({s["machine_hash"] for s in statuses}) == 1, statuses
        await check()
    finally:
        for proxy in proxies:
            await proxy.close()
