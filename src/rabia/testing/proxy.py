"""``LinkProxy``: a TCP forwarder whose link a test can cut, restore, delay and reset.

Point a node's peer address at a proxy listening in front of the real peer; then
``cut()`` closes every forwarded connection and refuses new ones (a network partition
of that link, in that direction of dialing), and ``restore()`` lets connections through
again::

    proxy = LinkProxy(("127.0.0.1", 0), target=("127.0.0.1", 7001))
    await proxy.start()
    peers = {2: proxy.address}   # node 1 reaches node 2 through the proxy
    ...
    proxy.cut(); ...; proxy.restore()
    await proxy.close()

Stream-level faults: ``set_delay(d, jitter)`` holds every chunk, in both directions,
for ``d`` (plus up to ``jitter``) seconds, keeping the byte order; ``reset()`` aborts
the open connections but accepts new ones. TCP cannot lose bytes in the middle of a
stream without corrupting its framing, so message loss is modelled by resets: the
transport reconnects and every frame that was in flight on the link is gone.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from typing import cast

logger = logging.getLogger("rabia.testing.proxy")

Address = tuple[str, int]

MAX_HELD_BYTES = 4 * 1024 * 1024
"""Bytes a delayed direction holds before it stops reading from its sender."""


class _Side(asyncio.Protocol):
    """One socket of a forwarded connection; writes what it reads to the other side."""

    def __init__(self, pipe: _Pipe) -> None:
        self.pipe = pipe
        self.transport: asyncio.Transport | None = None
        self.other: _Side | None = None
        self.backlog: list[bytes] = []
        self.held: deque[tuple[float, bytes]] = deque()
        """Delayed chunks to write on this side: (release time, data), in order."""
        self.held_bytes = 0
        self.release: asyncio.TimerHandle | None = None
        self.pauses: set[str] = set()
        """Why reading from this side is paused: "downstream" (its peer's socket is full)
        and/or "held" (too many bytes are delayed on their way to the peer)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        if self.pipe.closing:
            transport.abort()

    def data_received(self, data: bytes) -> None:
        other = self.other
        if other is None or other.transport is None:
            self.backlog.append(data)
        elif other.held or self.pipe.proxy.delay > 0:
            other.hold(data, self)
        else:
            other.transport.write(data)

    def hold(self, data: bytes, sender: _Side) -> None:
        """Write ``data`` on this side after the proxy's delay, behind what is held."""
        loop = asyncio.get_running_loop()
        proxy = self.pipe.proxy
        at = loop.time() + proxy.delay + proxy.rng.uniform(0, proxy.jitter)
        if self.held:
            at = max(at, self.held[-1][0])
        self.held.append((at, data))
        self.held_bytes += len(data)
        if self.held_bytes > MAX_HELD_BYTES:
            sender.pause("held")
        if self.release is None:
            self.release = loop.call_at(at, self.write_held)

    def write_held(self) -> None:
        """Write every held chunk whose time has come; re-arm for the next one."""
        self.release = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.held and self.held[0][0] <= now:
            data = self.held.popleft()[1]
            self.held_bytes -= len(data)
            if self.transport is not None:
                self.transport.write(data)
        if self.held_bytes <= MAX_HELD_BYTES // 2 and self.other is not None:
            self.other.resume("held")
        if self.held:
            self.release = loop.call_at(self.held[0][0], self.write_held)

    def eof_received(self) -> bool | None:
        self.pipe.close()
        return None

    def pause(self, reason: str) -> None:
        """Stop reading from this socket for ``reason``."""
        if not self.pauses and self.transport is not None:
            self.transport.pause_reading()
        self.pauses.add(reason)

    def resume(self, reason: str) -> None:
        """``reason`` is gone; read again once no other reason holds."""
        if reason in self.pauses:
            self.pauses.discard(reason)
            if not self.pauses and self.transport is not None:
                self.transport.resume_reading()

    def pause_writing(self) -> None:
        if self.other is not None:
            self.other.pause("downstream")

    def resume_writing(self) -> None:
        if self.other is not None:
            self.other.resume("downstream")

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.release is not None:
            self.release.cancel()
            self.release = None
        self.held.clear()
        self.held_bytes = 0
        self.pipe.close()
        self.pipe.side_closed()


class _Pipe:
    """A client connection and its upstream connection to the target."""

    def __init__(self, proxy: LinkProxy) -> None:
        self.proxy = proxy
        self.client = _Side(self)
        self.upstream = _Side(self)
        self.client.other = self.upstream
        self.upstream.other = self.client
        self.closing = False
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.connect_task: asyncio.Task[None] | None = None

    async def connect(self, target: Address) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: self.upstream, target[0], target[1])
        except OSError as exc:
            logger.debug("proxy could not reach %s: %r", target, exc)
            self.close()
            return
        if self.closing:
            self.close()
            return
        upstream = self.upstream.transport
        assert upstream is not None
        for data in self.client.backlog:
            upstream.write(data)
        self.client.backlog.clear()

    def close(self) -> None:
        self.closing = True
        for side in (self.client, self.upstream):
            if side.transport is not None:
                side.transport.abort()
        self.side_closed()

    def side_closed(self) -> None:
        if self.client.transport is None and self.upstream.transport is None:
            connecting = self.connect_task is not None and not self.connect_task.done()
            if not connecting and not self.done.done():
                self.done.set_result(None)
                self.proxy._pipes.discard(self)


class LinkProxy:
    """Forwards connections from ``listen`` to ``target``, until ``cut()``."""

    def __init__(self, listen: Address, target: Address) -> None:
        self._listen = listen
        self.target = target
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self.is_cut = False
        self.refused = 0
        """Connections refused while cut."""
        self.resets = 0
        """Times ``reset()`` aborted open connections."""
        self.delay = 0.0
        """Seconds every chunk is held before it is forwarded (``set_delay``)."""
        self.jitter = 0.0
        """Up to this many seconds more, drawn per chunk (the order is kept)."""
        self.rng = random.Random(0)

    async def start(self) -> None:
        """Start listening."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._accept, self._listen[0], self._listen[1])

    @property
    def address(self) -> Address:
        """The bound (host, port) to give to the dialing node."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("proxy is not started")
        sockname = self._server.sockets[0].getsockname()
        return (str(sockname[0]), int(sockname[1]))

    @property
    def connections(self) -> int:
        """Forwarded connections currently open."""
        return len(self._pipes)

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones."""
        self.is_cut = True
        for pipe in list(self._pipes):
            pipe.close()

    def restore(self) -> None:
        """Forward new connections again."""
        self.is_cut = False

    def reset(self) -> None:
        """Abort every forwarded connection (what was in flight is lost); new ones pass."""
        if self._pipes:
            self.resets += 1
        for pipe in list(self._pipes):
            pipe.close()

    def set_delay(self, delay: float, jitter: float = 0.0) -> None:
        """Hold every chunk from now on for ``delay`` + U(0, ``jitter``) seconds."""
        if delay < 0 or jitter < 0:
            raise ValueError("delay and jitter must not be negative")
        self.delay = delay
        self.jitter = jitter

    async def close(self) -> None:
        """Stop listening, close every connection and wait for them."""
        if self._server is not None:
            self._server.close()
        while self._pipes:
            pipes = list(self._pipes)
            for pipe in pipes:
                pipe.close()
            tasks = [p.connect_task for p in pipes if p.connect_task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)
            for pipe in pipes:
                pipe.side_closed()
            await asyncio.gather(*(p.done for p in pipes))
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def _accept(self) -> asyncio.Protocol:
        pipe = _Pipe(self)
        self._pipes.add(pipe)
        if self.is_cut:
            self.refused += 1
            pipe.closing = True
            asyncio.get_running_loop().call_soon(pipe.close)
        else:
            task = asyncio.get_running_loop().create_task(pipe.connect(self.target))
            task.add_done_callback(lambda _task: pipe.side_closed())
            pipe.connect_task = task
        return pipe.client
