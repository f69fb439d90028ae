"""A command this node submitted for a local caller, from submission to its outcome."""

from __future__ import annotations

from collections.abc import Callable

from rabia.core.apply import Reply
from rabia.errors import RabiaError, Unavailable

NODE_STOPPED = Reply(-1, (-1, -1, -1), -1, -1, b"", False, True)
"""Sentinel reply handed to waiters when the node stops."""

Outcome = bytes | RabiaError
"""A command's result, or the error that ended the wait for it."""

Deliver = Callable[[Outcome], None]


class PendingRequest:
    """Called with the command's ``Reply`` once applied (the node's waiter), or failed
    with ``fail``; delivers exactly one outcome and then forgets its sequence number."""

    __slots__ = ("_open_seqs", "deliver", "done", "seq")

    def __init__(self, seq: int, deliver: Deliver, open_seqs: set[int]) -> None:
        self.seq = seq
        self.deliver = deliver
        self.done = False
        self._open_seqs = open_seqs

    def __call__(self, reply: Reply) -> None:
        if reply is NODE_STOPPED:
            self.fail(Unavailable("node stopped before the command was decided"))
        elif not self.done:
            self.done = True
            self._open_seqs.discard(self.seq)
            self.deliver(reply.result)

    def fail(self, error: RabiaError) -> None:
        """End the wait with ``error`` (no-op once an outcome was delivered)."""
        if not self.done:
            self.done = True
            self._open_seqs.discard(self.seq)
            self.deliver(error)
