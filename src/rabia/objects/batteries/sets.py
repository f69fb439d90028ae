"""``ReplSet``: a replicated set of strings or integers."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated

T = TypeVar("T", bound=str | int)


def _order(element: str | int) -> tuple[bool, str | int]:
    """Sort key of ``members``: integers (by value) before strings."""
    return isinstance(element, str), element


class ReplSet(Replicated, Generic[T], rollback=False):
    """A set of ``str`` and ``int`` elements (``ReplSet[int]`` types them for the type
    checker; the replicas take both, and other types are refused before the log).
    Stored as an insertion-ordered map (a Python ``set`` iterates in an order that
    differs between processes, which would make snapshots differ)."""

    elements: dict[T, None] = msgspec.field(default_factory=dict)

    @command
    def add(self, element: T) -> bool:
        """Add ``element``; True if it was not there."""
        if element in self.elements:
            return False
        self.elements[element] = None
        return True

    @command
    def discard(self, element: T) -> bool:
        """Remove ``element``; True if it was there."""
        if element not in self.elements:
            return False
        del self.elements[element]
        return True

    @query
    def contains(self, element: T) -> bool:
        """Whether ``element`` is in the set."""
        return element in self.elements

    @query
    def members(self) -> list[T]:
        """Every element, sorted (integers before strings)."""
        return sorted(self.elements, key=_order)

    @query
    def len(self) -> int:
        """The number of elements."""
        return len(self.elements)
