"""The watch hub of a KV node: recent change notifications and their live subscribers.

The machine publishes each applied command's events here (commit order, identical on
every replica), with the messages clients PUBLISHed. The hub keeps a bounded history of
the events (not the messages) so a watcher can resume from a revision it names, and hands
every new revision to the subscribers (pub/sub and watch connections of the Redis port).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence, Set
from typing import Protocol

from rabia.kv.events import Published

Events = Sequence[tuple[bytes, bytes]]
"""The ``(event, key)`` pairs of one revision."""


class Compacted(Exception):
    """The requested revision is older than the history this node holds."""

    def __init__(self, requested: int, first_available: int) -> None:
        super().__init__(
            f"revision {requested} is compacted; this node's history starts at {first_available}"
        )
        self.first_available = first_available


class Subscriber(Protocol):
    """A live consumer of the hub (one Redis connection in subscribe or watch mode)."""

    @property
    def channels(self) -> Set[bytes]:
        """The channels it is subscribed to."""

    @property
    def patterns(self) -> Mapping[bytes, object]:
        """The patterns it is subscribed to."""

    def deliver(self, revision: int, events: Events, messages: Sequence[Published]) -> None:
        """The events and PUBLISHed messages of one applied revision."""

    def receivers(self, channel: bytes) -> int:
        """How many of its subscriptions (the channel, matching patterns) a message on
        ``channel`` reaches."""

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

    def publish(self, revision: int, events: Events, messages: Sequence[Published] = ()) -> None:
        """Record the events of ``revision`` and deliver them, and its messages, to every
        subscriber."""
        if events:
            history = self._history
            # Held as tuples of bytes, which the collector stops tracking: a full history
            # (100,000 events) would otherwise make every full collection walk it.
            history.append((revision, tuple(events)))
            self._held += len(events)
            while self._held > self.max_history_events and len(history) > 1:
                dropped, old = history.popleft()
                self._held -= len(old)
                self.first_revision = dropped + 1
        if self.subscribers:
            for subscriber in list(self.subscribers):
                subscriber.deliver(revision, events, messages)

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

    def receivers(self, channel: bytes) -> int:
        """The subscriptions of this node a message on ``channel`` reaches (what Redis's
        PUBLISH answers: each subscribed channel and matching pattern counts)."""
        return sum(subscriber.receivers(channel) for subscriber in self.subscribers)

    def channels(self) -> dict[bytes, int]:
        """Every channel some connection of this node is subscribed to, with how many."""
        counts: dict[bytes, int] = {}
        for subscriber in self.subscribers:
            for channel in subscriber.channels:
                counts[channel] = counts.get(channel, 0) + 1
        return counts

    def patterns(self) -> set[bytes]:
        """The distinct patterns the connections of this node are subscribed to."""
        return {pattern for subscriber in self.subscribers for pattern in subscriber.patterns}

    def topology(self, message: bytes) -> None:
        """Hand a topology event to every subscriber."""
        for subscriber in list(self.subscribers):
            subscriber.topology(message)
