"""Bounded waiting on real conditions (never a bare sleep-and-hope)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from rabia.api import StateMachine
from rabia.runtime import Node, NodeConfig

T = TypeVar("T")


async def poll_until(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Call ``probe`` until ``done(result)``; fail with the last result after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if done(result):
            return result
        if loop.time() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s; last: {result!r}")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def tcp_nodes(machine: Callable[[], StateMachine], n: int = 3) -> AsyncIterator[list[Node]]:
    """``n`` nodes of ``machine()`` in this process over loopback TCP, each with its
    quorum (bounded), stopped on exit."""
    from tests.e2e.cluster import free_ports

    ports = free_ports(n)
    members = {i: f"127.0.0.1:{ports[i]}" for i in range(n)}
    nodes = [Node(NodeConfig(i, members), machine()) for i in members]
    for node in nodes:
        await node.start()
    try:
        for node in nodes:
            await node.wait_for_quorum(timeout=10)
        yield nodes
    finally:
        for node in nodes:
            await node.stop()
