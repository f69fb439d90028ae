"""Keyspace events as a subscriber at one node (or at redis-server) receives them."""

from __future__ import annotations

import time

import redis

END = (b"set", b"events:end")
"""The event of the ``SET events:end 1`` a check ends with: collecting stops there."""


class EventTap:
    """A ``PSUBSCRIBE __keyevent@0__:*`` at one server, read back up to ``END``."""

    def __init__(self, port: int) -> None:
        self._client = redis.Redis(port=port, socket_timeout=10)
        self._pubsub = self._client.pubsub()
        self._pubsub.psubscribe("__keyevent@0__:*")
        deadline = time.monotonic() + 10
        while self._pubsub.get_message(timeout=1) is None:  # the subscription's answer
            assert time.monotonic() < deadline, f"no subscription answer from port {port}"

    def until_end(self, timeout: float = 20) -> list[tuple[bytes, bytes]]:
        """(event, key) of every notification up to ``END`` (excluded)."""
        events: list[tuple[bytes, bytes]] = []
        deadline = time.monotonic() + timeout
        while True:
            assert time.monotonic() < deadline, f"no end event within {timeout}s: {events}"
            message = self._pubsub.get_message(timeout=1)
            if message is None or message["type"] != "pmessage":
                continue
            event = (message["channel"].split(b":", 1)[1], message["data"])
            if event == END:
                return events
            events.append(event)

    def close(self) -> None:
        self._pubsub.close()
        self._client.close()
