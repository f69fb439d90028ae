"""Topology events a node observes: peer links up or down, quorum lost or restored,
membership changed. They are local observations (each node reports what it sees),
published to listeners such as the KV server's ``__rabia__:topology`` channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("rabia.topology")


@dataclass(frozen=True)
class TopologyEvent:
    """One observation by node ``node``.

    ``kind`` is ``peer-up``/``peer-down`` (with ``peer``), ``quorum-lost``/
    ``quorum-restored``, or ``membership`` (with the new ``members``).
    """

    kind: str
    node: int
    peer: int | None = None
    members: tuple[int, ...] = ()

    def text(self) -> str:
        """One line: ``<kind> [peer | members...]`` (members comma-separated)."""
        if self.peer is not None:
            return f"{self.kind} {self.peer}"
        if self.kind == "membership":
            return f"{self.kind} {','.join(map(str, self.members))}"
        return self.kind


TopologyListener = Callable[[TopologyEvent], None]


class TopologyFeed:
    """Fans a node's topology events out to listeners; tracks quorum transitions."""

    def __init__(self, node_id: int) -> None:
        self.node_id = node_id
        self._listeners: list[TopologyListener] = []
        self._quorum: bool | None = None

    def subscribe(self, listener: TopologyListener) -> Callable[[], None]:
        """Call ``listener`` for every later event; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, kind: str, peer: int | None = None, members: tuple[int, ...] = ()) -> None:
        """Publish one event to every listener (a raising listener is logged, skipped)."""
        event = TopologyEvent(kind, self.node_id, peer, members)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("topology listener raised on %s", event)

    def quorum(self, up: bool) -> None:
        """Record whether a quorum is reachable; emits on each change (the first
        observation, at start, only sets the baseline)."""
        previous, self._quorum = self._quorum, up
        if previous is not None and previous != up:
            self.emit("quorum-restored" if up else "quorum-lost")
