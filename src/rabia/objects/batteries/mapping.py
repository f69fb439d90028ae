"""``ReplDict``: a replicated map of str keys to values of any encodable type."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated

V = TypeVar("V")


class ReplDict(Replicated, Generic[V], rollback=False):
    """A map of ``str`` to values of any type msgspec encodes as MessagePack (None, bool,
    int, float, str, bytes, lists, dicts, Structs...); they come back as MessagePack
    types (a tuple as a list, a Struct as a dict). ``ReplDict[float]`` types the values
    for the type checker; the replicas accept any encodable value. ``get``, ``pop`` and
    ``compare_and_set`` read None as "absent", so a stored None looks absent to them.

    Commands never fail after changing the state, so rollback is off (a command costs
    no copy of the map)."""

    items: dict[str, V] = msgspec.field(default_factory=dict)

    @command
    def set(self, key: str, value: V) -> V | None:
        """Store ``value`` under ``key``; the previous value, or None."""
        previous = self.items.get(key)
        self.items[key] = value
        return previous

    @command
    def pop(self, key: str) -> V | None:
        """Remove ``key``; its value, or None if it was absent."""
        return self.items.pop(key, None)

    @command
    def compare_and_set(self, key: str, expected: V | None, value: V | None) -> bool:
        """If ``key`` holds ``expected`` (None: absent), store ``value`` (None: remove it)
        and return True; otherwise change nothing and return False."""
        if self.items.get(key) != expected:
            return False
        if value is None:
            self.items.pop(key, None)
        else:
            self.items[key] = value
        return True

    @query
    def get(self, key: str) -> V | None:
        """The value of ``key``, or None."""
        return self.items.get(key)

    @query
    def keys(self) -> list[str]:
        """Every key, sorted."""
        return sorted(self.items)

    @query
    def len(self) -> int:
        """The number of keys."""
        return len(self.items)
