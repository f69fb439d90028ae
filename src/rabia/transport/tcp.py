"""TCP transport on ``asyncio.Protocol``: handshake, authentication, reconnects, limits.

Connection model: a node dials one outbound connection to every peer and only SENDS
on it; it accepts inbound connections and only RECEIVES on them. Reconnecting is
therefore the dialer's job alone. Every link starts with the handshake of
:mod:`rabia.transport.handshake` (mutual HMAC authentication when a secret is set),
then carries length-prefixed msgspec frames of :mod:`rabia.codec`.

Anything bad arriving on the listening port closes that one connection and logs one
WARNING on the ``rabia.transport`` logger naming the remote address and the reason.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Mapping
from typing import Any, Final

from rabia.codec import (
    DEFAULT_MAX_FRAME,
    encode_message,
    frame,
)
from rabia.core.messages import Message
from rabia.transport.base import Deliver, PeerEvent, PeerStatus, Transport
from rabia.transport.links import Address, _Connection, _Inbound, _Outbound, _Peer

logger = logging.getLogger("rabia.transport")


DEFAULT_MAX_QUEUED_BYTES: Final = 8 * 1024 * 1024
"""Per-peer bound on bytes waiting to be sent; beyond it messages are dropped."""


class TcpTransport(Transport):
    """Authenticated, optionally TLS, TCP links to a fixed set of peers.

    ``send``/``broadcast`` never block: a frame to a peer whose link is down, or whose
    unsent bytes exceed ``max_queued_bytes``, is dropped and counted in ``stats``.
    """

    def __init__(
        self,
        node_id: int,
        listen: Address,
        peers: Mapping[int, Address],
        *,
        cluster_id: str,
        secret: bytes | None = None,
        server_ssl: ssl.SSLContext | None = None,
        client_ssl: ssl.SSLContext | None = None,
        max_frame: int = DEFAULT_MAX_FRAME,
        max_queued_bytes: int = DEFAULT_MAX_QUEUED_BYTES,
        handshake_timeout: float = 2.0,
        reconnect_min: float = 0.05,
        reconnect_max: float = 2.0,
    ) -> None:
        self.node_id = node_id
        self.cluster_id = cluster_id
        self._listen = listen
        self._peers = {pid: _Peer(pid, addr) for pid, addr in peers.items() if pid != node_id}
        self._secret = secret or None
        self._server_ssl = server_ssl
        self._client_ssl = client_ssl
        self._max_frame = max_frame
        self._max_queued_bytes = max_queued_bytes
        self._handshake_timeout = handshake_timeout
        self._reconnect_min = reconnect_min
        self._reconnect_max = reconnect_max
        self._rng = random.Random()
        self._loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self._server: asyncio.Server | None = None
        self._deliver: Deliver = _ignore
        self._peer_status: PeerStatus | None = None
        self._conns: set[_Connection] = set()
        self._inbound: dict[int, _Inbound] = {}
        self._dialers: dict[int, asyncio.Task[None]] = {}
        self._retired: list[asyncio.Task[None]] = []
        """Dialers of removed peers, awaited by ``close()``."""
        self._dirty: list[_Peer] = []
        self._flush_scheduled = False
        self._connected: frozenset[int] = frozenset()
        self._started = False
        self._closing = False
        self._closed: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    async def listen(self) -> None:
        """Bind the listening socket (``start`` does it too); idempotent."""
        if self._server is not None:
            return
        self._loop = asyncio.get_running_loop()
        host, port = self._listen
        extra: dict[str, Any] = {}
        if self._server_ssl is not None:
            extra["ssl_handshake_timeout"] = self._handshake_timeout
        # A failed TLS handshake never reaches _Inbound (asyncio and uvloop drop it
        # silently); the dialing side logs it (see _dial_once).
        self._server = await self._loop.create_server(
            lambda: _Inbound(self), host, port, ssl=self._server_ssl, **extra
        )

    async def start(self, deliver: Deliver, peer_status: PeerStatus | None = None) -> None:
        """Listen, then dial every peer (reconnecting for as long as the transport runs)."""
        if self._started:
            raise RuntimeError("transport already started")
        self._started = True
        self._deliver = deliver
        self._peer_status = peer_status
        await self.listen()
        for peer in self._peers.values():
            self._start_dialer(peer)

    def _start_dialer(self, peer: _Peer) -> None:
        task = self._loop.create_task(self._dial_loop(peer), name=f"rabia-dial-{peer.id}")
        self._dialers[peer.id] = task

    def add_peer(self, peer_id: int, address: Address) -> None:
        """Start talking to a new member (a decided membership change)."""
        if peer_id == self.node_id or peer_id in self._peers:
            return
        peer = self._peers[peer_id] = _Peer(peer_id, address)
        if self._started and not self._closing:
            self._start_dialer(peer)

    def remove_peer(self, peer_id: int) -> None:
        """Stop talking to a former member: its dialer stops, its links close."""
        peer = self._peers.pop(peer_id, None)
        if peer is None:
            return
        task = self._dialers.pop(peer_id, None)
        if task is not None:
            task.cancel()
            self._retired.append(task)
        if peer.link is not None:
            peer.link.abort()
        inbound = self._inbound.pop(peer_id, None)
        if inbound is not None:
            inbound.abort()
        self._connected = self._connected - {peer_id}

    async def close(self) -> None:
        """Stop dialing, close every connection and the listener, and wait for them."""
        if self._closed is not None:
            await asyncio.shield(self._closed)
            return
        self._closing = True
        self._closed = asyncio.get_running_loop().create_future()
        try:
            for task in self._dialers.values():
                task.cancel()
            if self._server is not None:
                self._server.close()
            # Abort before awaiting the dialers: Python 3.11's wait_for can swallow a
            # cancellation that races with a completed connect, leaving a dialer parked
            # on its connection until that connection closes.
            for conn in list(self._conns):
                conn.abort()
            await asyncio.gather(*self._dialers.values(), *self._retired, return_exceptions=True)
            while self._conns:
                conns = list(self._conns)
                for conn in conns:
                    conn.abort()
                await asyncio.gather(*(conn.closed for conn in conns))
            if self._server is not None:
                await self._server.wait_closed()
            for peer in self._peers.values():
                peer.link = None
                peer.pending = []
                peer.queued = 0
            self._dirty = []
            self._inbound.clear()
            self._connected = frozenset()
        finally:
            self._closed.set_result(None)

    # ------------------------------------------------------------------ sending
    def send(self, dest: int, message: Message) -> None:
        """Queue ``message`` for peer ``dest`` (dropped if that link is down or full)."""
        peer = self._peers.get(dest)
        if peer is None:
            raise ValueError(f"{dest} is not a peer of node {self.node_id}")
        self._enqueue(peer, frame(encode_message(message)))

    def broadcast(self, message: Message) -> None:
        """Queue ``message`` once encoded for every peer."""
        data = frame(encode_message(message))
        for peer in self._peers.values():
            self._enqueue(peer, data)

    def _enqueue(self, peer: _Peer, data: bytes) -> None:
        link = peer.link
        if link is None or link.paused or peer.queued > self._max_queued_bytes:
            peer.dropped += 1
            return
        if not peer.pending:
            self._dirty.append(peer)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self._loop.call_soon(self._scheduled_flush)
        peer.pending.append(data)
        peer.queued += len(data)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Write every queued frame: one ``write`` per peer."""
        dirty = self._dirty
        if not dirty:
            return
        self._dirty = []
        for peer in dirty:
            pending = peer.pending
            peer.pending = []
            peer.queued = 0
            link = peer.link
            if link is None:
                peer.dropped += len(pending)
                continue
            link.write(pending[0] if len(pending) == 1 else b"".join(pending))
            peer.sent += len(pending)

    # ------------------------------------------------------------------ links
    def connected(self) -> frozenset[int]:
        """Peers this node can send to right now (authenticated outbound link up)."""
        return self._connected

    @property
    def peers(self) -> frozenset[int]:
        """Every other member."""
        return frozenset(self._peers)

    @property
    def listen_address(self) -> Address:
        """The bound (host, port); useful with port 0. Valid after ``listen``/``start``."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("transport is not listening")
        sockname = self._server.sockets[0].getsockname()
        return (str(sockname[0]), int(sockname[1]))

    @property
    def stats(self) -> dict[int, dict[str, int]]:
        """Per peer: frames ``sent``, frames ``dropped``, ``reconnects`` after a loss."""
        return {
            p.id: {"sent": p.sent, "dropped": p.dropped, "reconnects": p.reconnects}
            for p in self._peers.values()
        }

    @property
    def open_connections(self) -> int:
        """Connections currently open, in both directions and in any state."""
        return len(self._conns)

    def set_peer_address(self, peer_id: int, address: Address) -> None:
        """Dial ``peer_id`` at ``address`` from the next connection attempt on."""
        self._peers[peer_id].address = address

    def _link_up(self, peer: _Peer, link: _Outbound) -> None:
        if self._closing:
            return
        if peer.ever_up:
            peer.reconnects += 1
        peer.ever_up = True
        peer.warned = False
        peer.link = link
        self._connected = self._connected | {peer.id}
        logger.info("link to peer %d at %s is up", peer.id, link.remote)
        self._notify(peer.id, PeerEvent.UP)

    def _link_down(self, peer: _Peer, link: _Outbound, exc: Exception | None) -> None:
        if peer.link is not link:
            return
        peer.link = None
        self._connected = self._connected - {peer.id}
        logger.info("link to peer %d at %s is down (%s)", peer.id, link.remote, exc or "closed")
        self._notify(peer.id, PeerEvent.DOWN)

    def _notify(self, peer_id: int, event: PeerEvent) -> None:
        if self._peer_status is None:
            return
        try:
            self._peer_status(peer_id, event)
        except Exception:
            logger.exception("peer_status() raised for peer %d %s", peer_id, event.value)

    def _inbound_up(self, conn: _Inbound) -> None:
        previous = self._inbound.get(conn.peer_id)
        self._inbound[conn.peer_id] = conn
        if previous is not None:
            logger.info(
                "peer %d reconnected from %s; closing its older link", conn.peer_id, conn.remote
            )
            previous.abort()

    def _inbound_down(self, conn: _Inbound, exc: Exception | None) -> None:
        if self._inbound.get(conn.peer_id) is conn:
            del self._inbound[conn.peer_id]
        logger.debug("link from peer %d at %s closed (%s)", conn.peer_id, conn.remote, exc)

    async def _dial_loop(self, peer: _Peer) -> None:
        delay = self._reconnect_min
        # Checked each round as well as cancelled: a swallowed cancellation must not
        # keep a removed peer's dialer alive.
        while not self._closing and self._peers.get(peer.id) is peer:
            try:
                if await self._dial_once(peer):
                    delay = self._reconnect_min
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("unexpected error dialing peer %d", peer.id)
            pause = delay * (0.5 + 0.5 * self._rng.random())
            delay = min(delay * 2, self._reconnect_max)
            await asyncio.sleep(pause)

    async def _dial_once(self, peer: _Peer) -> bool:
        """One connection attempt; returns once it ends, True if it was established."""
        conn = _Outbound(self, peer)
        host, port = peer.address
        extra: dict[str, Any] = {}
        if self._client_ssl is not None:
            extra["ssl_handshake_timeout"] = self._handshake_timeout
        try:
            await asyncio.wait_for(
                self._loop.create_connection(
                    lambda: conn, host, port, ssl=self._client_ssl, **extra
                ),
                self._handshake_timeout,
            )
        except ssl.SSLError as exc:
            # A certificate the CA did not sign (or no certificate): say so once per outage.
            level = logging.DEBUG if peer.warned else logging.WARNING
            peer.warned = True
            logger.log(level, "TLS with peer %d at %s:%d failed: %s", peer.id, host, port, exc)
            return False
        except (OSError, TimeoutError) as exc:
            logger.debug("dialing peer %d at %s:%d failed: %r", peer.id, host, port, exc)
            return False
        try:
            await asyncio.shield(conn.closed)
        except asyncio.CancelledError:
            conn.abort()
            await asyncio.shield(conn.closed)
            raise
        return conn.established


def _ignore(message: Message) -> None:
    pass
