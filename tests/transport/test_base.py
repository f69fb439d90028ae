"""The Transport protocol's optional parts: a fixed membership and a no-op flush."""

from __future__ import annotations

import pytest

from rabia.core.messages import Message
from rabia.transport.base import Deliver, PeerStatus, Transport


class Minimal(Transport):
    """Only the abstract methods."""

    async def start(self, deliver: Deliver, peer_status: PeerStatus | None = None) -> None:
        pass

    def send(self, dest: int, message: Message) -> None:
        pass

    def broadcast(self, message: Message) -> None:
        pass

    @property
    def peers(self) -> frozenset[int]:
        return frozenset({2})

    def connected(self) -> frozenset[int]:
        return frozenset()

    async def close(self) -> None:
        pass


def test_a_transport_without_membership_changes_says_so() -> None:
    transport = Minimal()
    transport.flush()  # optional: nothing to push
    with pytest.raises(NotImplementedError, match="Minimal has a fixed membership"):
        transport.add_peer(3, ("127.0.0.1", 1))
    with pytest.raises(NotImplementedError, match="fixed membership"):
        transport.remove_peer(2)


def test_the_abstract_methods() -> None:
    assert Transport.__abstractmethods__ == {
        "start",
        "send",
        "broadcast",
        "peers",
        "connected",
        "close",
    }
