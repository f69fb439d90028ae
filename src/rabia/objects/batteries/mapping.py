"""``ReplDict``: a replicated map of str keys to bytes values."""

from __future__ import annotations

import msgspec

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated


class ReplDict(Replicated, rollback=False):
    """A map of ``str`` to ``bytes`` (encode richer values yourself, e.g. with msgspec).

    Commands never fail after changing the state, so rollback is off (a command costs
    no copy of the map)."""

    items: dict[str, bytes] = msgspec.field(default_factory=dict)

    @command
    def set(self, key: str, value: bytes) -> bytes | None:
        """Store ``value`` under ``key``; the previous value, or None."""
        previous = self.items.get(key)
        self.items[key] = value
        return previous

    @command
    def pop(self, key: str) -> bytes | None:
        """Remove ``key``; its value, or None if it was absent."""
        return self.items.pop(key, None)

    @command
    def compare_and_set(self, key: str, expected: bytes | None, value: bytes | None) -> bool:
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
    def get(self, key: str) -> bytes | None:
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
