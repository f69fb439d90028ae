"""A framed-stream protocol base: coalesces outgoing frames into one write per loop turn."""

from __future__ import annotations

import asyncio
from typing import cast

from rabia.codec import frame
from rabia.runtime.client_protocol import ClientFrame, encode_client


class FramedProtocol(asyncio.Protocol):
    """Queues encoded client frames and writes them with one ``write`` per iteration."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        """Kept once known: ``get_running_loop`` costs a getpid() call."""
        self._out: list[bytes] = []
        self._flush_scheduled = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        self._transport = cast(asyncio.Transport, transport)

    def send_frame(self, message: ClientFrame) -> None:
        """Queue one frame; it is written at the end of this loop iteration."""
        if self._transport is None:
            return
        self._out.append(frame(encode_client(message)))
        if not self._flush_scheduled:
            loop = self._loop
            if loop is None:
                loop = self._loop = asyncio.get_running_loop()
            self._flush_scheduled = True
            loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        out, self._out = self._out, []
        if self._transport is not None and out:
            self._transport.write(b"".join(out))
