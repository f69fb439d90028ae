"""``LinkProxy``: a TCP forwarder whose link a test can cut and restore.

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
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

logger = logging.getLogger("rabia.testing.proxy")

Address = tuple[str, int]


class _Side(asyncio.Protocol):
    """One socket of a forwarded connection; writes what it reads to the other side."""

    def __init__(self, pipe: _Pipe) -> None:
        self.pipe = pipe
        self.transport: asyncio.Transport | None = None
        self.other: _Side | None = None
        self.backlog: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        if self.pipe.closing:
            transport.abort()

    def data_received(self, data: bytes) -> None:
        other = self.other
        if other is not None and other.transport is not None:
            other.transport.write(data)
        else:
            self.backlog.append(data)

    def eof_received(self) -> bool | None:
        self.pipe.close()
        return None

    def pause_writing(self) -> None:
        if self.other is not None and self.other.transport is not None:
            self.other.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.other is not None and self.other.transport is not None:
            self.other.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
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
