"""A channel straight into one replicated object, with a log clock the test sets."""

from __future__ import annotations

from typing import TypeVar

from rabia.objects import Replicated, remote

T = TypeVar("T", bound=Replicated)


class Direct:
    """Applies commands at log time ``now`` (µs) and answers queries, without a log."""

    def __init__(self, machine: Replicated) -> None:
        self.machine = machine
        self.now = 1_000_000
        self.commands = 0
        self.reads = 0

    async def submit(self, command: bytes, /) -> bytes:
        self.commands += 1
        return self.machine.apply_at(command, self.now)

    async def read(self, query: bytes, /) -> bytes:
        self.reads += 1
        return self.machine.query(query)


def direct(cls: type[T]) -> tuple[T, Direct]:
    """A fresh ``cls`` object behind a proxy, and the channel (to set the clock)."""
    channel = Direct(cls())
    return remote(cls, channel), channel


def restored(machine: Replicated) -> Replicated:
    """A new object of the same class loaded from ``machine``'s snapshot."""
    copy = type(machine)()
    copy.restore(machine.snapshot())
    return copy
