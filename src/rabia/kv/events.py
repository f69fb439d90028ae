"""Change notifications of the KV machine: what a command changed, in commit order.

Every applied command that changes keys yields ``(event, key)`` pairs named as Redis
names its keyspace events (``set``, ``del``, ``expire``, ``expired``, ``incrby``,
``decrby``, ``incrbyfloat``, ``append``, ``setrange``, ``setbit``, ``persist``,
``rename_from``, ``rename_to``, ``copy_to``, ``sortstore``, ``flushdb`` with an empty
key...), all stamped with the command's revision. Election keys (ADR 0008) get ``set``
when won, ``del`` on resign or lease revocation, ``expired`` when their lease expires.
They are computed during ``apply``, so every replica produces the same events in the same
order. Messages PUBLISHed by clients travel the same way, placed among the events of
their command (a transaction may publish between writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

Published = tuple[int, bytes, bytes]
"""A message a command PUBLISHed: ``(how many of its events came before it, channel,
message)``."""


class EventSink(Protocol):
    """Receives the machine's notifications (a node's watch hub implements it)."""

    def publish(
        self, revision: int, events: list[tuple[bytes, bytes]], messages: Sequence[Published] = ()
    ) -> None:
        """The events and messages of the command applied at ``revision`` (not both
        empty; ``messages`` is passed only when there are some)."""

    def reset(self, revision: int) -> None:
        """The machine was restored from a snapshot taken at ``revision``: the events
        between the previous revision and this one will never be published here."""
