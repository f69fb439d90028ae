"""Sender: BROADCAST to the step's peers, one broadcast call when that is everyone."""

from __future__ import annotations

from typing import Any, cast

from rabia.core.messages import BROADCAST, Status
from rabia.core.ready import Ready
from rabia.runtime.sending import Sender
from rabia.transport.base import Transport


class RecordingTransport:
    def __init__(self, peers: set[int]) -> None:
        self.peers = frozenset(peers)
        self.sent: list[tuple[str, int | None, Any]] = []

    def broadcast(self, message: object) -> None:
        self.sent.append(("broadcast", None, message))

    def send(self, peer: int, message: object) -> None:
        self.sent.append(("send", peer, message))


def _status(n: int) -> Status:
    return Status(slot=n, sender=0)


def test_broadcast_to_exactly_the_transports_peers_is_one_call() -> None:
    transport = RecordingTransport({1, 2})
    sender = Sender(cast(Transport, transport))
    sender.send(Ready(messages=[(BROADCAST, _status(1)), (2, _status(2))], peers=(1, 2)))
    assert transport.sent == [("broadcast", None, _status(1)), ("send", 2, _status(2))]


def test_broadcast_to_a_subset_goes_peer_by_peer_and_unknown_peers_are_skipped() -> None:
    transport = RecordingTransport({1, 2, 3})
    sender = Sender(cast(Transport, transport))
    sender.send(Ready(messages=[(BROADCAST, _status(1)), (9, _status(2))], peers=(1, 3, 4)))
    assert transport.sent == [("send", 1, _status(1)), ("send", 3, _status(1))]


def test_peers_changed_rechecks_who_broadcast_reaches() -> None:
    transport = RecordingTransport({1})
    sender = Sender(cast(Transport, transport))
    ready = Ready(messages=[(BROADCAST, _status(1))], peers=(1, 2))
    sender.send(ready)
    transport.peers |= {2}  # a new member was dialled
    sender.peers_changed()
    sender.send(ready)
    assert transport.sent == [("send", 1, _status(1)), ("broadcast", None, _status(1))]
