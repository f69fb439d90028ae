"""``ReplSet``: a replicated set of strings."""

from __future__ import annotations

import msgspec

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated


class ReplSet(Replicated, rollback=False):
    """A set of ``str``. Stored as an insertion-ordered map (a Python ``set`` iterates
    in an order that differs between processes, which would make snapshots differ)."""

    elements: dict[str, None] = msgspec.field(default_factory=dict)

    @command
    def add(self, element: str) -> bool:
        """Add ``element``; True if it was not there."""
        if element in self.elements:
            return False
        self.elements[element] = None
        return True

    @command
    def discard(self, element: str) -> bool:
        """Remove ``element``; True if it was there."""
        if element not in self.elements:
            return False
        del self.elements[element]
        return True

    @query
    def contains(self, element: str) -> bool:
        """Whether ``element`` is in the set."""
        return element in self.elements

    @query
    def members(self) -> list[str]:
        """Every element, sorted."""
        return sorted(self.elements)

    @query
    def len(self) -> int:
        """The number of elements."""
        return len(self.elements)
