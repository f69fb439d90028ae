"""A TCP listener that tracks its connections, shared by the client and Redis ports."""

from __future__ import annotations

import asyncio
import ssl
from abc import ABC, abstractmethod
from typing import Protocol

HANDSHAKE_TIMEOUT = 10.0
"""Seconds a client has to complete the TLS handshake before it is dropped."""


class Abortable(Protocol):
    """A connection the listener can drop when it closes."""

    def abort(self) -> None: ...


class Listener(ABC):
    """Binds ``host:port`` on ``start()`` (speaking TLS only, with ``tls``); ``close()``
    also aborts open connections.

    Subclasses build one protocol per connection; the protocols add themselves to
    ``connections`` when made and remove themselves when lost.
    """

    def __init__(self, host: str, port: int, *, tls: ssl.SSLContext | None = None) -> None:
        self._host = host
        self._port = port
        self._tls = tls
        self._server: asyncio.Server | None = None
        self.connections: set[Abortable] = set()

    @abstractmethod
    def _protocol(self) -> asyncio.Protocol:
        """A new protocol for one accepted connection."""

    async def start(self) -> None:
        """Bind and accept."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol,
            self._host,
            self._port,
            ssl=self._tls,
            ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self._tls is not None else None,
        )

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port)."""
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def close(self) -> None:
        """Stop accepting and drop every connection; idempotent."""
        if self._server is not None:
            self._server.close()
            for connection in list(self.connections):
                connection.abort()
            await self._server.wait_closed()
            self._server = None
