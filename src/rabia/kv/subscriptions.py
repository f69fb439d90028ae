"""Pub/sub and watch state of one Redis connection.

Channels carry what clients PUBLISH, and Redis's keyspace notifications:
``__keyspace@0__:<key>`` carries the event name, ``__keyevent@0__:<event>`` the key;
``__rabia__:topology`` carries the node's topology events. A watch (``RABIA.WATCH prefix
[revision]``) receives every change of keys under ``prefix`` as ``["watch", prefix,
revision, [event, key, ...]]``, one message per revision, from the revision it names on,
with no gap: a revision the node no longer holds ends the watch with
``["watch-compacted", prefix, first_available]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rabia.kv import resp
from rabia.kv.events import Published
from rabia.kv.glob import matcher
from rabia.kv.hub import Compacted, Events, WatchHub

KEYSPACE = b"__keyspace@0__:"
KEYEVENT = b"__keyevent@0__:"
TOPOLOGY = b"__rabia__:topology"


def _item(value: bytes | int | None) -> bytes:
    if value is None:
        return resp.NIL
    if isinstance(value, int):
        return resp.integer(value)
    return resp.bulk(value)


class Subscriptions:
    """The channels, patterns and watches of one connection, registered with the hub
    while any is active. ``send`` queues bytes on the connection, in reply order."""

    def __init__(self, hub: WatchHub, send: Callable[[bytes], None], resp3: bool) -> None:
        self._hub = hub
        self._send = send
        self.resp3 = resp3
        self.channels: set[bytes] = set()
        self.patterns: dict[bytes, Callable[[bytes], object]] = {}
        self.watches: dict[bytes, int] = {}
        """prefix -> the next revision this watch expects."""

    # -- state ----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Channels plus patterns (the count Redis reports)."""
        return len(self.channels) + len(self.patterns)

    @property
    def active(self) -> bool:
        """Whether the connection is in subscribe/watch mode."""
        return bool(self.channels or self.patterns or self.watches)

    def _sync(self) -> None:
        if self.active:
            self._hub.subscribers.add(self)
        else:
            self._hub.subscribers.discard(self)

    def close(self) -> None:
        """Forget everything (connection closed or RESET)."""
        self.channels.clear()
        self.patterns.clear()
        self.watches.clear()
        self._sync()

    def push(self, items: Iterable[bytes | int | None]) -> bytes:
        """A push message (RESP3) or an array (RESP2) of plain values."""
        return self._frame([_item(item) for item in items])

    def _frame(self, parts: list[bytes]) -> bytes:
        return b"%s%d\r\n%s" % (b">" if self.resp3 else b"*", len(parts), b"".join(parts))

    # -- commands -------------------------------------------------------------------------

    def subscribe(self, channels: list[bytes]) -> None:
        """SUBSCRIBE: one confirmation per channel."""
        for channel in channels:
            self.channels.add(channel)
            self._send(self.push([b"subscribe", channel, self.count]))
        self._sync()

    def psubscribe(self, patterns: list[bytes]) -> None:
        """PSUBSCRIBE: one confirmation per pattern."""
        for pattern in patterns:
            self.patterns[pattern] = matcher(pattern)
            self._send(self.push([b"psubscribe", pattern, self.count]))
        self._sync()

    def unsubscribe(self, channels: list[bytes], *, patterns: bool) -> None:
        """(P)UNSUBSCRIBE the given ones, or all of that kind when none is given."""
        kind = b"punsubscribe" if patterns else b"unsubscribe"
        held: set[bytes] | dict[bytes, Callable[[bytes], object]]
        held = self.patterns if patterns else self.channels
        targets = channels or sorted(held)
        if not targets:
            self._send(self.push([kind, None, self.count]))
        for target in targets:
            if isinstance(held, dict):
                held.pop(target, None)
            else:
                held.discard(target)
            self._send(self.push([kind, target, self.count]))
        self._sync()

    def watch(self, prefix: bytes, start: int) -> None:
        """Start a watch at revision ``start``: replay what the hub holds, then live."""
        try:
            backlog = self._hub.replay(start)
        except Compacted as exc:
            self._send(b"-COMPACTED %s\r\n" % str(exc).encode())
            return
        self.watches[prefix] = start
        self._send(self.push([b"watch", prefix, start]))
        for revision, events in backlog:
            self._watch_events(prefix, revision, events)
        self._sync()

    def unwatch(self, prefixes: list[bytes]) -> None:
        """Stop the given watches (all without arguments)."""
        for prefix in prefixes or sorted(self.watches):
            self.watches.pop(prefix, None)
            self._send(self.push([b"unwatch", prefix, len(self.watches)]))
        if not prefixes and not self.watches:
            self._send(self.push([b"unwatch", None, 0]))
        self._sync()

    # -- Subscriber -----------------------------------------------------------------------

    def deliver(self, revision: int, events: Events, messages: Sequence[Published] = ()) -> None:
        """Send the notifications and messages of one revision this connection asked for,
        each message after the events its command made before publishing it."""
        if self.channels or self.patterns:
            sent = 0
            for before, channel, message in messages:
                self._notify(events[sent:before])
                sent = before
                self._publish(channel, message)
            self._notify(events[sent:] if sent else events)
        if events:
            for prefix in self.watches:
                self._watch_events(prefix, revision, events)

    def receivers(self, channel: bytes) -> int:
        """The channel (if subscribed) and the matching patterns: how many messages one
        PUBLISH on ``channel`` sends this connection."""
        matching = sum(1 for match in self.patterns.values() if match(channel))
        return matching + (channel in self.channels)

    def _notify(self, events: Events) -> None:
        for event, key in events:
            if event != b"flushdb":
                self._publish(KEYSPACE + key, event)
            self._publish(KEYEVENT + event, key)

    def history_reset(self, revision: int) -> None:
        """End the watches that would miss revisions the node skipped."""
        for prefix, expected in list(self.watches.items()):
            if expected <= revision:
                del self.watches[prefix]
                self._send(self.push([b"watch-compacted", prefix, revision + 1]))
        self._sync()

    def topology(self, message: bytes) -> None:
        """Publish a topology event on its channel."""
        self._publish(TOPOLOGY, message)

    def _publish(self, channel: bytes, payload: bytes) -> None:
        if channel in self.channels:
            self._send(self.push([b"message", channel, payload]))
        for pattern, match in self.patterns.items():
            if match(channel):
                self._send(self.push([b"pmessage", pattern, channel, payload]))

    def _watch_events(self, prefix: bytes, revision: int, events: Events) -> None:
        if revision < self.watches[prefix]:
            return
        self.watches[prefix] = revision + 1
        matched = [
            part
            for event, key in events
            if key.startswith(prefix) or event == b"flushdb"
            for part in (event, key)
        ]
        if matched:
            head = [_item(b"watch"), _item(prefix), _item(revision)]
            self._send(self._frame([*head, resp.bulk_array(matched)]))
