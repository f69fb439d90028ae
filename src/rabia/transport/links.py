"""The two ends of a TCP link: framing, the handshake and refusals (see ``tcp``).

``_Inbound`` is the listener's side of a link (it only receives); ``_Outbound`` is the
dialer's side (it only sends). Both belong to a :class:`~rabia.transport.tcp.TcpTransport`,
their ``owner``, which keeps the registry of links and the per-peer queues.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, cast

from rabia.codec import CodecError, FrameReader, FrameTooLarge, decode_message
from rabia.transport import handshake as hs

if TYPE_CHECKING:
    from rabia.transport.tcp import TcpTransport

logger = logging.getLogger("rabia.transport")

Address = tuple[str, int]


def _format_address(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host = str(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return str(address)


class _Peer:
    """Sending side of one peer: its link, its queue and its counters."""

    __slots__ = (
        "address",
        "dropped",
        "ever_up",
        "id",
        "link",
        "pending",
        "queued",
        "reconnects",
        "sent",
        "warned",
    )

    def __init__(self, peer_id: int, address: Address) -> None:
        self.id = peer_id
        self.address = address
        self.link: _Outbound | None = None
        self.pending: list[bytes] = []
        self.queued = 0
        self.sent = 0
        self.dropped = 0
        self.reconnects = 0
        self.ever_up = False
        self.warned = False


class _Connection(asyncio.Protocol):
    """Framing, the handshake deadline and the one-warning refusal of both link ends."""

    def __init__(self, owner: TcpTransport) -> None:
        self._owner = owner
        self._transport: asyncio.Transport | None = None
        self._reader = FrameReader(hs.HANDSHAKE_MAX_FRAME)
        self._timer: asyncio.TimerHandle | None = None
        self.remote = "?"
        self.established = False
        self.refused = False
        self._finalized = False
        self.closed: asyncio.Future[None] = owner._loop.create_future()
        """Resolved once the connection is closed (await it through ``asyncio.shield``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        self.remote = _format_address(transport.get_extra_info("peername"))
        owner = self._owner
        owner._conns.add(self)
        if owner._closing:
            self.refused = True
            transport.abort()
            return
        self._timer = owner._loop.call_later(owner._handshake_timeout, self._handshake_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._finalized:
            return
        self._finalized = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._owner._conns.discard(self)
        if not self._owner._closing:
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
        if not self._owner._closing:
            self._log_refusal(reason)
        if self._transport is not None:
            self._transport.abort()

    def _log_refusal(self, reason: str) -> None:
        raise NotImplementedError

    def _lost(self, exc: Exception | None) -> None:
        raise NotImplementedError

    def _handshake_expired(self) -> None:
        self._timer = None
        self.refuse(f"handshake not finished within {self._owner._handshake_timeout:g} s")

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


class _Inbound(_Connection):
    """An accepted connection: answers the handshake, then receives messages."""

    def __init__(self, owner: TcpTransport) -> None:
        super().__init__(owner)
        self.peer_id = -1
        self._handshake = hs.ListenerHandshake(
            node_id=owner.node_id,
            cluster_id=owner.cluster_id,
            peers=owner._peers,
            secret=owner._secret,
        )

    def data_received(self, data: bytes) -> None:
        if self.established:
            self._receive(data)
        elif not self.refused and self._handshake_data(data, self._handshake):
            self.peer_id = self._handshake.peer_id
            self._reader = FrameReader(self._owner._max_frame)
            self._owner._inbound_up(self)

    def _receive(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except FrameTooLarge as exc:
            self.refuse(str(exc))
            return
        peer_id = self.peer_id
        deliver = self._owner._deliver
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
        self._owner._inbound_down(self, exc)


class _Outbound(_Connection):
    """A dialed connection: runs the handshake, then carries this node's sends."""

    def __init__(self, owner: TcpTransport, peer: _Peer) -> None:
        super().__init__(owner)
        self.peer = peer
        self.paused = False
        self._handshake = hs.DialerHandshake(
            node_id=owner.node_id,
            peer_id=peer.id,
            cluster_id=owner.cluster_id,
            secret=owner._secret,
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
            self._transport.set_write_buffer_limits(high=self._owner._max_queued_bytes)
            self._owner._link_up(self.peer, self)

    def write(self, data: bytes) -> None:
        assert self._transport is not None
        self._transport.write(data)

    def _log_refusal(self, reason: str) -> None:
        peer = self.peer
        level = logging.DEBUG if peer.warned else logging.WARNING
        peer.warned = True
        logger.log(level, "dropped link to peer %d at %s: %s", peer.id, self.remote, reason)

    def _lost(self, exc: Exception | None) -> None:
        if self.established:
            self._owner._link_down(self.peer, self, exc)
            return
        if self.refused:
            return
        peer = self.peer
        level = logging.DEBUG if peer.warned else logging.WARNING
        peer.warned = True
        logger.log(
            level,
            "peer %d at %s closed the connection during the handshake "
            "(check its cluster id, secret and membership)",
            peer.id,
            self.remote,
        )
