"""The watch hub of a KV node: recent change notifications and their live subscribers.

The machine publishes each applied command's events here (commit order, identical on
every replica). The hub keeps a bounded history so a watcher can resume from a revision
it names, and hands every new revision to the subscribers (pub/sub and watch
connections of the Redis port).
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

Events = list[tuple[bytes, bytes]]


class Compacted(Exception):
    """The requested revision is older than the history this node holds."""

    def __init__(self, requested: int, first_available: int) -> None:
        super().__init__(
            f"revision {requested} is compacted; this node's history starts at {first_available}"
        )
        self.first_available = first_available


class Subscriber(Protocol):
    """A live consumer of the hub (one Redis connection in subscribe or watch mode)."""

    def deliver(self, revision: int, events: Events) -> None:
        """The events of one applied revision."""

    def history_reset(self, revision: int) -> None:
        """The node skipped every revision up to ``revision`` (snapshot installed)."""

    def topology(self, message: bytes) -> None:
        """A topology event of this node (peer up/down, quorum, membership)."""


class WatchHub:
    """An ``EventSink`` with history: ``publish`` fans out, ``replay`` serves resumes."""

    def __init__(self, max_history_events: int = 100_000) -> None:
        self.max_history_events = max_history_events
        self._history: deque[tuple[int, Events]] = deque()
        self._held = 0
        self.first_revision = 1
        """Every event of every revision from this one on is held (or still to come)."""
        self.subscribers: set[Subscriber] = set()

    # -- EventSink ------------------------------------------------------------------------

    def publish(self, revision: int, events: Events) -> None:
        """Record the events of ``revision`` and deliver them to every subscriber."""
        history = self._history
        history.append((revision, events))
        self._held += len(events)
        while self._held > self.max_history_events and len(history) > 1:
            dropped, old = history.popleft()
            self._held -= len(old)
            self.first_revision = dropped + 1
        if self.subscribers:
            for subscriber in list(self.subscribers):
                subscriber.deliver(revision, events)

    def reset(self, revision: int) -> None:
        """The machine jumped to ``revision`` by a snapshot: history restarts after it."""
        self._history.clear()
        self._held = 0
        self.first_revision = revision + 1
        for subscriber in list(self.subscribers):
            subscriber.history_reset(revision)

    # -- readers --------------------------------------------------------------------------

    def replay(self, start: int) -> list[tuple[int, Events]]:
        """The held revisions from ``start`` on (oldest first); ``Compacted`` if some of
        them are no longer held."""
        if start < self.first_revision:
            raise Compacted(start, self.first_revision)
        history = self._history
        if not history or history[-1][0] < start:
            return []
        out = []
        for entry in reversed(history):
            if entry[0] < start:
                break
            out.append(entry)
        out.reverse()
        return out

    def topology(self, message: bytes) -> None:
        """Hand a topology event to every subscriber."""
        for subscriber in list(self.subscribers):
            subscriber.topology(message)
