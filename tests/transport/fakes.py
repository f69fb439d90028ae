"""Links driven without sockets or a transport: a recording ``LinkOwner`` and a fake wire."""

from __future__ import annotations

import asyncio
from collections.abc import Container
from typing import Any

from rabia.codec import DEFAULT_MAX_FRAME
from rabia.core.messages import Message
from rabia.transport.links import InboundLink, Link, LinkSettings, OutboundLink


class RecordingOwner:
    """Owner of links on ``loop`` (which need not run): keeps the open links, the messages
    delivered and every event, in order, as ``(name, peer_id)``."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        node_id: int = 0,
        members: Container[int] = frozenset({1, 2}),
        cluster_id: str = "rabia",
        secret: bytes | None = None,
        handshake_timeout: float = 2.0,
        max_frame: int = DEFAULT_MAX_FRAME,
        max_queued_bytes: int = 1 << 20,
    ) -> None:
        self.settings = LinkSettings(
            node_id=node_id,
            cluster_id=cluster_id,
            secret=secret,
            handshake_timeout=handshake_timeout,
            max_frame=max_frame,
            max_queued_bytes=max_queued_bytes,
        )
        self.loop = loop
        self.members = members
        self.closing = False
        self.delivered: list[Message] = []
        self.open: set[Link] = set()
        self.events: list[tuple[str, int]] = []
        self.warned: set[int] = set()

    def deliver(self, message: Message) -> None:
        self.delivered.append(message)

    def link_opened(self, link: Link) -> None:
        self.open.add(link)

    def link_closed(self, link: Link) -> None:
        self.open.discard(link)

    def inbound_up(self, link: InboundLink) -> None:
        self.events.append(("inbound_up", link.peer_id))

    def inbound_down(self, link: InboundLink, exc: Exception | None) -> None:
        self.events.append(("inbound_down", link.peer_id))

    def outbound_up(self, link: OutboundLink) -> None:
        self.events.append(("outbound_up", link.peer_id))

    def outbound_down(self, link: OutboundLink, exc: Exception | None) -> None:
        self.events.append(("outbound_down", link.peer_id))

    def first_warning(self, peer_id: int) -> bool:
        first = peer_id not in self.warned
        self.warned.add(peer_id)
        return first

    def close_all(self) -> None:
        """Report every open link lost, as its transport would on closing."""
        for link in list(self.open):
            link.connection_lost(None)


class Wire(asyncio.Transport):
    """The socket side of one link: collects what the link writes, records an abort."""

    def __init__(self, peername: tuple[str, int] = ("127.0.0.1", 4000)) -> None:
        super().__init__()
        self.out = bytearray()
        self.aborted = False
        self.high_water: int | None = None
        self._peername = peername

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.aborted:
            self.out += data

    def take(self) -> bytes:
        """What was written since the last ``take``."""
        data = bytes(self.out)
        self.out.clear()
        return data

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.aborted

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.high_water = high

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._peername if name == "peername" else default
