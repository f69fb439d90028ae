"""The state machine a user replicates: deterministic apply, snapshot and restore."""

from __future__ import annotations

from abc import ABC, abstractmethod


class StateMachine(ABC):
    """Replicated application state.

    ``apply`` must be deterministic: the same commands in the same order give the same
    results and the same state on every replica. Inside ``apply`` never read the wall
    clock, draw random numbers (uuid4, random, secrets), do I/O or depend on iteration
    order of sets or on ``hash()`` of str/bytes. Time, if needed, must travel inside the
    command. A command that raises is a bug: rabia stops the node rather than diverge.
    """

    @abstractmethod
    def apply(self, command: bytes) -> bytes:
        """Apply one command and return its result."""

    def apply_at(self, command: bytes, log_time: int) -> bytes:
        """Apply ``command`` knowing the log's clock: ``log_time`` is a timestamp in
        microseconds stamped into the log by proposers (the largest so far), identical on
        every replica at this point of the log. Override it instead of ``apply`` when the
        state needs time (TTLs, leases); the default ignores the time."""
        return self.apply(command)

    def query(self, query: bytes) -> bytes:
        """Answer a read-only ``query`` from the current state, changing nothing.

        ``Node.read`` calls it once the read barrier makes the answer linearizable
        (ADR 0017), on this node only. The default refuses every query."""
        raise NotImplementedError(f"{type(self).__name__} answers no query")

    @abstractmethod
    def snapshot(self) -> bytes:
        """Serialize the whole state."""

    @abstractmethod
    def restore(self, data: bytes) -> None:
        """Replace the state by a snapshot taken with ``snapshot``."""
