"""The two ends of a TCP link (framing, the handshake, refusals) and what they need from
their owner.

:class:`InboundLink` is the listener's side of a link (it only receives); :class:`OutboundLink`
is the dialer's side (it only sends). Each talks to its owner, the transport that keeps the
registry of links and the per-peer queues, through :class:`LinkOwner` alone, and reads its
fixed parameters from the owner's :class:`LinkSettings`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Container
from dataclasses import dataclass
from typing import Protocol, cast

from rabia.codec import CodecError, FrameReader, FrameTooLarge, decode_message
from rabia.transport import handshake as hs
from rabia.transport.base import Deliver

logger = logging.getLogger("rabia.transport")

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """The fixed parameters of every link of one transport."""

    node_id: int
    cluster_id: str
    secret: bytes | None
    """The cluster's HMAC key (None: no authentication, only ids are checked)."""
    handshake_timeout: float
    """Seconds a link may take to finish its handshake before it is refused."""
    max_frame: int
    """Largest protocol frame an authenticated inbound link accepts."""
    max_queued_bytes: int
    """High-water mark of an outbound link's write buffer (it pauses beyond)."""


class LinkOwner(Protocol):
    """What a link needs from the transport that owns it, and all it may touch of it."""

    @property
    def settings(self) -> LinkSettings:
        """The parameters of every link."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the links run on."""

    @property
    def members(self) -> Container[int]:
        """The node ids an inbound link accepts (read when a hello arrives)."""

    @property
    def closing(self) -> bool:
        """True once the owner is closing: new links are refused, losses go unreported."""

    @property
    def deliver(self) -> Deliver:
        """Receives every message of an authenticated inbound link."""

    def link_opened(self, link: Link) -> None:
        """A connection was made (either direction, before its handshake)."""

    def link_closed(self, link: Link) -> None:
        """A connection is gone (either direction, whatever its state)."""

    def inbound_up(self, link: InboundLink) -> None:
        """An accepted link finished its handshake: ``link.peer_id`` sends on it."""

    def inbound_down(self, link: InboundLink, exc: Exception | None) -> None:
        """An authenticated inbound link closed (not reported while the owner closes)."""

    def outbound_up(self, link: OutboundLink) -> None:
        """A dialed link finished its handshake: messages for ``link.peer_id`` may go."""

    def outbound_down(self, link: OutboundLink, exc: Exception | None) -> None:
        """An authenticated outbound link closed (not reported while the owner closes)."""

    def first_warning(self, peer_id: int) -> bool:
        """True the first time a link to ``peer_id`` fails since one was last up (it is
        logged as a WARNING, later failures at DEBUG); each call counts."""


def format_address(address: object) -> str:
    """``host:port`` (``[host]:port`` for IPv6) of a socket address."""
    if isinstance(address, tuple) and len(address) >= 2:
        host = str(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return str(address)


class Link(asyncio.Protocol):
    """Framing, the handshake deadline and the one-warning refusal of both link ends."""

    def __init__(self, owner: LinkOwner) -> None:
        self._owner = owner
        self._transport: asyncio.Transport | None = None
        self._reader = FrameReader(hs.HANDSHAKE_MAX_FRAME)
        self._timer: asyncio.TimerHandle | None = None
        self.remote = "?"
        self.established = False
        self.refused = False
        self._finalized = False
        self.closed: asyncio.Future[None] = owner.loop.create_future()
        """Resolved once the connection is closed (await it through ``asyncio.shield``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        self.remote = format_address(transport.get_extra_info("peername"))
        owner = self._owner
        owner.link_opened(self)
        if owner.closing:
            self.refused = True
            transport.abort()
            return
        self._timer = owner.loop.call_later(
            owner.settings.handshake_timeout, self._handshake_expired
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if self._finalized:
            return
        self._finalized = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._owner.link_closed(self)
        if not self._owner.closing:
            self._lost(exc)
        self._transport = None
        if not self.closed.done():
            self.closed.set_result(None)

    def abort(self) -> None:
        """Close at once, quietly."""
        self.refused = True
        if self._transport is not None:
            self._transport.abort()

    def refuse(self, reason: str) -> None:
        """Close the connection, logging ``reason`` once."""
        if self.refused:
            return
        self.refused = True
        if not self._owner.closing:
            self._log_refusal(reason)
        if self._transport is not None:
            self._transport.abort()

    def _log_refusal(self, reason: str) -> None:
        raise NotImplementedError

    def _lost(self, exc: Exception | None) -> None:
        raise NotImplementedError

    def _handshake_expired(self) -> None:
        self._timer = None
        timeout = self._owner.settings.handshake_timeout
        self.refuse(f"handshake not finished within {timeout:g} s")

    def _write(self, message: hs.HandshakeMessage) -> None:
        assert self._transport is not None
        self._transport.write(hs.encode_handshake(message))

    def _handshake_data(
        self, data: bytes, machine: hs.ListenerHandshake | hs.DialerHandshake
    ) -> bool:
        """Feed handshake bytes to ``machine``; True once it completed (else maybe refused)."""
        try:
            frames = self._reader.feed(data)
        except FrameTooLarge as exc:
            self.refuse(f"oversized handshake frame ({exc})")
            return False
        for index, payload in enumerate(frames):
            try:
                reply = machine.receive(hs.decode_handshake(payload))
            except CodecError:
                self.refuse("not a rabia handshake (undecodable frame)")
                return False
            except hs.HandshakeError as exc:
                self.refuse(str(exc))
                return False
            if reply is not None:
                self._write(reply)
            if machine.done:
                if index != len(frames) - 1 or self._reader.pending:
                    self.refuse("data sent before the handshake finished")
                    return False
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
                self.established = True
                return True
        return False


class InboundLink(Link):
    """An accepted connection: answers the handshake, then receives messages."""

    def __init__(self, owner: LinkOwner) -> None:
        super().__init__(owner)
        self.peer_id = -1
        """The dialer's node id, once the handshake is done."""
        settings = owner.settings
        self._handshake = hs.ListenerHandshake(
            node_id=settings.node_id,
            cluster_id=settings.cluster_id,
            peers=owner.members,
            secret=settings.secret,
        )

    def data_received(self, data: bytes) -> None:
        if self.established:
            self._receive(data)
        elif not self.refused and self._handshake_data(data, self._handshake):
            self.peer_id = self._handshake.peer_id
            self._reader = FrameReader(self._owner.settings.max_frame)
            self._owner.inbound_up(self)

    def _receive(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except FrameTooLarge as exc:
            self.refuse(str(exc))
            return
        peer_id = self.peer_id
        deliver = self._owner.deliver
        for payload in frames:
            try:
                message = decode_message(payload)
            except CodecError as exc:
                self.refuse(f"undecodable message from peer {peer_id}: {exc}")
                return
            if message.sender != peer_id:
                self.refuse(f"message claims sender {message.sender} on the link of peer {peer_id}")
                return
            try:
                deliver(message)
            except Exception:
                logger.exception("deliver() raised on a message from peer %d", peer_id)

    def _log_refusal(self, reason: str) -> None:
        logger.warning("refused connection from %s: %s", self.remote, reason)

    def _lost(self, exc: Exception | None) -> None:
        if not self.established:
            if self.refused:
                return
            self.refused = True
            logger.warning(
                "refused connection from %s: connection closed during the handshake%s",
                self.remote,
                " (after our challenge: the peer may have rejected it)"
                if self._handshake.hello is not None
                else "",
            )
            return
        if self._reader.pending and not self.refused:
            logger.warning(
                "connection from %s (peer %d) closed mid-frame with %d bytes pending",
                self.remote,
                self.peer_id,
                self._reader.pending,
            )
        self._owner.inbound_down(self, exc)


class OutboundLink(Link):
    """A dialed connection to ``peer_id``: runs the handshake, then carries this node's
    sends (``write``); ``paused`` while its write buffer is above the high-water mark."""

    def __init__(self, owner: LinkOwner, peer_id: int) -> None:
        super().__init__(owner)
        self.peer_id = peer_id
        self.paused = False
        settings = owner.settings
        self._handshake = hs.DialerHandshake(
            node_id=settings.node_id,
            peer_id=peer_id,
            cluster_id=settings.cluster_id,
            secret=settings.secret,
        )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if not self.refused:
            self._write(self._handshake.hello())

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.established:
            self.refuse("unexpected data on a sending link")
        elif self._handshake_data(data, self._handshake):
            assert self._transport is not None
            self._transport.set_write_buffer_limits(high=self._owner.settings.max_queued_bytes)
            self._owner.outbound_up(self)

    def write(self, data: bytes) -> None:
        """Send framed bytes (only once ``established``)."""
        assert self._transport is not None
        self._transport.write(data)

    def _log_level(self) -> int:
        return logging.WARNING if self._owner.first_warning(self.peer_id) else logging.DEBUG

    def _log_refusal(self, reason: str) -> None:
        logger.log(
            self._log_level(),
            "dropped link to peer %d at %s: %s",
            self.peer_id,
            self.remote,
            reason,
        )

    def _lost(self, exc: Exception | None) -> None:
        if self.established:
            self._owner.outbound_down(self, exc)
            return
        if self.refused:
            return
        logger.log(
            self._log_level(),
            "peer %d at %s closed the connection during the handshake "
            "(check its cluster id, secret and membership)",
            self.peer_id,
            self.remote,
        )
