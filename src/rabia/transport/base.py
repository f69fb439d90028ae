"""The transport protocol a ``Node`` is plugged into."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import Enum

from rabia.core.messages import Message


class PeerEvent(Enum):
    """Link status changes reported to the node."""

    UP = "up"
    DOWN = "down"


Deliver = Callable[[Message], None]
"""Called with every message received from an authenticated peer, in arrival order."""

PeerStatus = Callable[[int, PeerEvent], None]
"""Called when the link to a peer comes up or goes down."""


class Transport(ABC):
    """Moves messages between the members of one cluster.

    Sends never block: each peer has a bounded queue, and when it is full (a slow or
    dead peer) messages to that peer are dropped; the protocol re-sends what matters.
    """

    @abstractmethod
    async def start(self, deliver: Deliver, peer_status: PeerStatus | None = None) -> None:
        """Begin listening and connecting; ``deliver`` receives incoming messages."""

    @abstractmethod
    def send(self, dest: int, message: Message) -> None:
        """Queue ``message`` for one peer."""

    @abstractmethod
    def broadcast(self, message: Message) -> None:
        """Queue ``message`` for every other member (encoded once)."""

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Push queued messages out now (called once per node iteration)."""

    def add_peer(self, peer_id: int, address: tuple[str, int]) -> None:
        """Start talking to a new member (after a decided membership change)."""
        raise NotImplementedError(f"{type(self).__name__} has a fixed membership")

    def remove_peer(self, peer_id: int) -> None:
        """Stop talking to a former member."""
        raise NotImplementedError(f"{type(self).__name__} has a fixed membership")

    @property
    @abstractmethod
    def peers(self) -> frozenset[int]:
        """Every peer this transport talks to (connected or not)."""

    @abstractmethod
    def connected(self) -> frozenset[int]:
        """Peers with an established, authenticated link right now."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection and the listener; idempotent."""
