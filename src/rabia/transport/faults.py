"""A fault-injecting wrapper around any transport, for in-process tests and nemeses."""

from __future__ import annotations

import random
from collections.abc import Iterable

from rabia.core.messages import Message
from rabia.transport.base import Deliver, PeerEvent, PeerStatus, Transport


class FaultyTransport(Transport):
    """Wraps ``inner``: cut links to chosen peers and drop a seeded fraction of messages.

    A cut peer is cut both ways: nothing is sent to it, and what it sends is discarded
    on arrival; ``connected()`` leaves it out and ``peer_status`` reports it DOWN.
    ``drop_rate`` drops each outgoing copy and each incoming message independently.
    ``peers`` defaults to ``inner.peers``.
    """

    def __init__(
        self,
        inner: Transport,
        *,
        peers: Iterable[int] | None = None,
        drop_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.inner = inner
        if peers is None:
            peers = getattr(inner, "peers", None)
            if peers is None:
                raise TypeError("pass peers= for a transport without a peers property")
        self._peers = frozenset(peers)
        self.drop_rate = drop_rate
        self.rng = random.Random(seed)
        self._cut: set[int] = set()
        self._deliver: Deliver | None = None
        self._peer_status: PeerStatus | None = None
        self.dropped = 0
        """Messages this wrapper discarded, in both directions."""

    async def start(self, deliver: Deliver, peer_status: PeerStatus | None = None) -> None:
        """Start ``inner`` with filtering callbacks."""
        self._deliver = deliver
        self._peer_status = peer_status
        await self.inner.start(self._incoming, self._status)

    def cut(self, peer: int) -> None:
        """Cut the link to ``peer`` in both directions."""
        if peer in self._cut:
            return
        was_up = peer in self.inner.connected()
        self._cut.add(peer)
        if was_up and self._peer_status is not None:
            self._peer_status(peer, PeerEvent.DOWN)

    def restore(self, peer: int) -> None:
        """Undo ``cut(peer)``."""
        if peer not in self._cut:
            return
        self._cut.discard(peer)
        if peer in self.inner.connected() and self._peer_status is not None:
            self._peer_status(peer, PeerEvent.UP)

    def _lose(self) -> bool:
        return self.drop_rate > 0.0 and self.rng.random() < self.drop_rate

    def send(self, dest: int, message: Message) -> None:
        """Send unless ``dest`` is cut or the message is drawn to be dropped."""
        if dest in self._cut or self._lose():
            self.dropped += 1
            return
        self.inner.send(dest, message)

    def broadcast(self, message: Message) -> None:
        """Broadcast through ``inner`` (encoded once) unless a fault applies per peer."""
        if not self._cut and self.drop_rate <= 0.0:
            self.inner.broadcast(message)
            return
        for peer in sorted(self._peers):
            self.send(peer, message)

    def flush(self) -> None:
        """Flush ``inner``."""
        self.inner.flush()

    def connected(self) -> frozenset[int]:
        """``inner``'s connected peers less the cut ones."""
        return self.inner.connected() - self._cut

    @property
    def peers(self) -> frozenset[int]:
        """Every other member."""
        return self._peers

    async def close(self) -> None:
        """Close ``inner``."""
        await self.inner.close()

    def _incoming(self, message: Message) -> None:
        if message.sender in self._cut or self._lose():
            self.dropped += 1
            return
        if self._deliver is not None:
            self._deliver(message)

    def _status(self, peer: int, event: PeerEvent) -> None:
        if peer not in self._cut and self._peer_status is not None:
            self._peer_status(peer, event)
