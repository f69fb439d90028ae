"""The send stage: a step's messages onto the transport.

``BROADCAST`` means the members of the step's configuration (``Ready.peers``); when that
set is exactly the transport's peer set, one ``broadcast`` call encodes the message once
for everyone. Messages to peers the transport does not know (not yet dialled, or
removed) are dropped: the core re-sends what matters.
"""

from __future__ import annotations

from rabia.core.messages import BROADCAST
from rabia.core.ready import Ready
from rabia.transport.base import Transport


class Sender:
    """Sends each ``Ready``'s messages; remembers whether BROADCAST reaches everyone."""

    __slots__ = ("_everyone", "_peers_key", "_transport")

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._peers_key: tuple[int, ...] | None = None
        self._everyone = False
        """Whether BROADCAST to ``_peers_key`` is exactly the transport's peer set."""

    def peers_changed(self) -> None:
        """The transport's peers changed: re-check the BROADCAST targets."""
        self._peers_key = None

    def send(self, ready: Ready) -> None:
        """Hand every message of ``ready`` to the transport."""
        transport = self._transport
        known = transport.peers
        peers = ready.peers
        if peers != self._peers_key:  # recomputed only when membership moves
            self._peers_key = peers
            self._everyone = set(peers) == known
        everyone = self._everyone
        for dest, message in ready.messages:
            if dest == BROADCAST:
                if everyone:
                    transport.broadcast(message)
                else:
                    for peer in peers:
                        if peer in known:
                            transport.send(peer, message)
            elif dest in known:
                transport.send(dest, message)
