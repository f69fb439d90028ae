"""``ReplCounter``: a replicated integer counter."""

from __future__ import annotations

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated


class ReplCounter(Replicated, rollback=False):
    """An integer that callers add to; exact under retries (commands apply once). No
    rollback copy: no command can fail after changing the value (the arguments are
    validated before it runs)."""

    value: int = 0

    @command
    def add(self, n: int = 1) -> int:
        """Add ``n`` (may be negative); the new value."""
        self.value += n
        return self.value

    @command
    def compare_and_set(self, expected: int, value: int) -> bool:
        """Set ``value`` if the counter holds ``expected``; whether it did."""
        if self.value != expected:
            return False
        self.value = value
        return True

    @command
    def reset(self) -> int:
        """Set the counter to 0; the value it had."""
        previous, self.value = self.value, 0
        return previous

    @query
    def get(self) -> int:
        """The current value."""
        return self.value
