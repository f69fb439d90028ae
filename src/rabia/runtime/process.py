"""Run one node as a process: event loop choice, signals, clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from rabia.api import StateMachine
from rabia.errors import Unavailable
from rabia.runtime.addresses import parse_address
from rabia.runtime.client_server import ClientServer
from rabia.runtime.clock import Clock, wall_clock
from rabia.runtime.config import NodeConfig
from rabia.runtime.node import Node

if TYPE_CHECKING:
    from rabia.runtime.metrics import MetricsServer

log = logging.getLogger("rabia.node")


class FrontEnd(Protocol):
    """A port a higher layer serves on behalf of a node (e.g. the KV store's Redis port),
    plugged in by whoever wires the process (``rabia node``)."""

    async def start(self) -> None:
        """Bind and serve."""

    async def close(self) -> None:
        """Stop serving and drop connections (idempotent)."""


FrontEndFactory = Callable[[Node], FrontEnd]
"""Builds a front end for a started node."""

GC_THRESHOLDS = (50_000, 20, 20)
"""The collector's thresholds in a node process (Python's: 700, 10, 10). A node keeps
thousands of young objects alive per batch in flight (each command's request, reply and
arguments): a young collection every 700 allocations walked them again and again."""


def tune_collector() -> None:
    """Set a node process's collector up once it has started: what exists by then
    (modules, the command table, the recovered state) lives as long as the process, so
    full passes need not walk it again (frozen), and young passes run every
    ``GC_THRESHOLDS[0]`` allocations."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def event_loop_name() -> str:
    """``uvloop`` when it is installed (and will be used), else ``asyncio``.

    Set ``RABIA_EVENT_LOOP=asyncio`` to force the standard loop.
    """
    if os.environ.get("RABIA_EVENT_LOOP", "").lower() == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``main`` on uvloop when installed, plain asyncio otherwise."""
    if event_loop_name() == "uvloop":
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


async def serve(
    config: NodeConfig,
    machine: StateMachine,
    on_ready: Callable[[Node], None] | None = None,
    quorum_wait: float = 5.0,
    clock: Clock = wall_clock,
    front_ends: Sequence[FrontEndFactory] = (),
) -> None:
    """Start a node (its client and metrics ports as configured, and ``front_ends``),
    serve until SIGTERM/SIGINT, then stop cleanly.

    ``on_ready`` runs once links to a quorum are up (or after ``quorum_wait`` seconds);
    ``clock`` stamps proposals (see ``rabia.runtime.clock``).
    """
    node = Node(config, machine, clock=clock)
    await node.start()
    server: ClientServer | None = None
    started: list[FrontEnd] = []
    metrics: MetricsServer | None = None
    try:
        if config.metrics_address is not None:
            from rabia.runtime.metrics import MetricsServer, metrics_registry

            host, port = parse_address(config.metrics_address)
            tls = None if config.metrics_tls is None else config.metrics_tls.context()
            metrics = MetricsServer(metrics_registry(node), host, port, tls=tls)
            await metrics.start()
        if config.client_address is not None:
            host, port = parse_address(config.client_address)
            tls = None if config.client_tls is None else config.client_tls.context()
            server = ClientServer(node, host, port, tls=tls)
            await server.start()
        for make in front_ends:
            front_end = make(node)
            await front_end.start()
            started.append(front_end)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        try:
            await node.wait_for_quorum(timeout=quorum_wait)
        except Unavailable:
            log.warning("no quorum of peers reachable yet; serving anyway")
        tune_collector()
        if on_ready is not None:
            on_ready(node)
        while node.running and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    finally:
        if metrics is not None:
            await metrics.close()
        for front_end in reversed(started):
            await front_end.close()
        if server is not None:
            await server.close()
        await node.stop()
