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
from collections.abc import Callable, Container, Mapping
from typing import Any, Final

from rabia.codec import (
    DEFAULT_MAX_FRAME,
    encode_message,
    frame,
)
from rabia.core.messages import Message
from rabia.transport.base import Deliver, PeerEvent, PeerStatus, Transport
from rabia.transport.links import Address, InboundLink, Link, LinkSettings, OutboundLink

logger = logging.getLogger("rabia.transport")


DEFAULT_MAX_QUEUED_BYTES: Final = 8 * 1024 * 1024
"""Per-peer bound on bytes waiting to be sent; beyond it messages are dropped."""


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
        self.link: OutboundLink | None = None
        self.pending: list[bytes] = []
        self.queued = 0
        self.sent = 0
        self.dropped = 0
        self.reconnects = 0
        self.ever_up = False
        self.warned = False


class _Links:
    """The ``LinkOwner`` of one transport's links, and their registry.

    Holds what links read (settings, loop, members, deliver, closing), every open link
    and each peer's inbound link; an outbound link going up or down and the warn-once
    question go to the transport's callbacks.
    """

    def __init__(
        self,
        settings: LinkSettings,
        members: Container[int],
        *,
        outbound_up: Callable[[OutboundLink], None],
        outbound_down: Callable[[OutboundLink, Exception | None], None],
        first_warning: Callable[[int], bool],
    ) -> None:
        self.settings = settings
        self.members = members
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]  # set by listen()
        self.deliver: Deliver = _ignore
        self.closing = False
        self.open: set[Link] = set()
        """Every open connection, in both directions and in any state."""
        self.inbound: dict[int, InboundLink] = {}
        """The authenticated inbound link of each peer."""
        self.outbound_up = outbound_up
        self.outbound_down = outbound_down
        self.first_warning = first_warning

    def link_opened(self, link: Link) -> None:
        self.open.add(link)

    def link_closed(self, link: Link) -> None:
        self.open.discard(link)

    def inbound_up(self, link: InboundLink) -> None:
        previous = self.inbound.get(link.peer_id)
        self.inbound[link.peer_id] = link
        if previous is not None:
            logger.info(
                "peer %d reconnected from %s; closing its older link", link.peer_id, link.remote
            )
            previous.abort()

    def inbound_down(self, link: InboundLink, exc: Exception | None) -> None:
        if self.inbound.get(link.peer_id) is link:
            del self.inbound[link.peer_id]
        logger.debug("link from peer %d at %s closed (%s)", link.peer_id, link.remote, exc)


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
        self._server_ssl = server_ssl
        self._client_ssl = client_ssl
        self._max_queued_bytes = max_queued_bytes
        self._handshake_timeout = handshake_timeout
        self._reconnect_min = reconnect_min
        self._reconnect_max = reconnect_max
        self._rng = random.Random()
        self._links = _Links(
            LinkSettings(
                node_id=node_id,
                cluster_id=cluster_id,
                secret=secret or None,
                handshake_timeout=handshake_timeout,
                max_frame=max_frame,
                max_queued_bytes=max_queued_bytes,
            ),
            self._peers,
            outbound_up=self._link_up,
            outbound_down=self._link_down,
            first_warning=self._first_warning,
        )
        self._server: asyncio.Server | None = None
        self._peer_status: PeerStatus | None = None
        self._dialers: dict[int, asyncio.Task[None]] = {}
        self._retired: list[asyncio.Task[None]] = []
        """Dialers of removed peers, awaited by ``close()``."""
        self._dirty: list[_Peer] = []
        self._flush_scheduled = False
        self._connected: frozenset[int] = frozenset()
        self._started = False
        self._closed: asyncio.Future[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    async def listen(self) -> None:
        """Bind the listening socket (``start`` does it too); idempotent."""
        if self._server is not None:
            return
        links = self._links
        links.loop = loop = asyncio.get_running_loop()
        host, port = self._listen
        extra: dict[str, Any] = {}
        if self._server_ssl is not None:
            extra["ssl_handshake_timeout"] = self._handshake_timeout
        # A failed TLS handshake never reaches InboundLink (asyncio and uvloop drop it
        # silently); the dialing side logs it (see _dial_once).
        self._server = await loop.create_server(
            lambda: InboundLink(links), host, port, ssl=self._server_ssl, **extra
        )

    async def start(self, deliver: Deliver, peer_status: PeerStatus | None = None) -> None:
        """Listen, then dial every peer (reconnecting for as long as the transport runs)."""
        if self._started:
            raise RuntimeError("transport already started")
        self._started = True
        self._links.deliver = deliver
        self._peer_status = peer_status
        await self.listen()
        for peer in self._peers.values():
            self._start_dialer(peer)

    def _start_dialer(self, peer: _Peer) -> None:
        task = self._links.loop.create_task(self._dial_loop(peer), name=f"rabia-dial-{peer.id}")
        self._dialers[peer.id] = task

    def add_peer(self, peer_id: int, address: Address) -> None:
        """Start talking to a new member (a decided membership change)."""
        if peer_id == self.node_id or peer_id in self._peers:
            return
        peer = self._peers[peer_id] = _Peer(peer_id, address)
        if self._started and not self._links.closing:
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
        inbound = self._links.inbound.pop(peer_id, None)
        if inbound is not None:
            inbound.abort()
        self._connected = self._connected - {peer_id}

    async def close(self) -> None:
        """Stop dialing, close every connection and the listener, and wait for them."""
        if self._closed is not None:
            await asyncio.shield(self._closed)
            return
        links = self._links
        links.closing = True
        self._closed = asyncio.get_running_loop().create_future()
        try:
            for task in self._dialers.values():
                task.cancel()
            if self._server is not None:
                self._server.close()
            # Abort before awaiting the dialers: Python 3.11's wait_for can swallow a
            # cancellation that races with a completed connect, leaving a dialer parked
            # on its link until that link closes.
            for link in list(links.open):
                link.abort()
            await asyncio.gather(*self._dialers.values(), *self._retired, return_exceptions=True)
            while links.open:
                open_links = list(links.open)
                for link in open_links:
                    link.abort()
                await asyncio.gather(*(link.closed for link in open_links))
            if self._server is not None:
                await self._server.wait_closed()
            for peer in self._peers.values():
                peer.link = None
                peer.pending = []
                peer.queued = 0
            self._dirty = []
            links.inbound.clear()
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
                self._links.loop.call_soon(self._scheduled_flush)
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
    def inbound_peers(self) -> frozenset[int]:
        """Peers with an authenticated link into this node (it receives from them)."""
        return frozenset(self._links.inbound)

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
        return len(self._links.open)

    def set_peer_address(self, peer_id: int, address: Address) -> None:
        """Dial ``peer_id`` at ``address`` from the next connection attempt on."""
        self._peers[peer_id].address = address

    def _link_up(self, link: OutboundLink) -> None:
        peer = self._peers.get(link.peer_id)
        if peer is None or self._links.closing:
            return
        if peer.ever_up:
            peer.reconnects += 1
        peer.ever_up = True
        peer.warned = False
        peer.link = link
        self._connected = self._connected | {peer.id}
        logger.info("link to peer %d at %s is up", peer.id, link.remote)
        self._notify(peer.id, PeerEvent.UP)

    def _link_down(self, link: OutboundLink, exc: Exception | None) -> None:
        peer = self._peers.get(link.peer_id)
        if peer is None or peer.link is not link:
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

    def _first_warning(self, peer_id: int) -> bool:
        peer = self._peers.get(peer_id)
        if peer is None or peer.warned:
            return False
        peer.warned = True
        return True

    async def _dial_loop(self, peer: _Peer) -> None:
        delay = self._reconnect_min
        # Checked each round as well as cancelled: a swallowed cancellation must not
        # keep a removed peer's dialer alive.
        while not self._links.closing and self._peers.get(peer.id) is peer:
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
        link = OutboundLink(self._links, peer.id)
        host, port = peer.address
        extra: dict[str, Any] = {}
        if self._client_ssl is not None:
            extra["ssl_handshake_timeout"] = self._handshake_timeout
        try:
            await asyncio.wait_for(
                self._links.loop.create_connection(
                    lambda: link, host, port, ssl=self._client_ssl, **extra
                ),
                self._handshake_timeout,
            )
        except ssl.SSLError as exc:
            # A certificate the CA did not sign (or no certificate): say so once per outage.
            level = logging.WARNING if self._first_warning(peer.id) else logging.DEBUG
            logger.log(level, "TLS with peer %d at %s:%d failed: %s", peer.id, host, port, exc)
            return False
        except (OSError, TimeoutError) as exc:
            logger.debug("dialing peer %d at %s:%d failed: %r", peer.id, host, port, exc)
            return False
        try:
            await asyncio.shield(link.closed)
        except asyncio.CancelledError:
            link.abort()
            await asyncio.shield(link.closed)
            raise
        return link.established


def _ignore(message: Message) -> None:
    pass
