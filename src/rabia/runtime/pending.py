"""One command waiting for its outcome at this node, from submission to reply.

The one reply path: the applier's ``Reply`` for (client_id, seq) reaches the node's
``PendingRequest`` for it, which hands its caller exactly one ``Outcome``: the result
bytes, or the ``RabiaError`` that ended the wait (``Timeout``, ``Unavailable`` when the
node stopped, ``Rejected`` when the client had already acknowledged the request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rabia.core.apply import Reply
from rabia.errors import RabiaError, Rejected

Outcome = bytes | RabiaError
"""A command's result, or the error that ended the wait for it."""

OnOutcome = Callable[[Outcome], None]
"""Called once with a command's ``Outcome``."""

ALREADY_ACKNOWLEDGED = "request already acknowledged"
"""Why a request whose seq its client had acknowledged gets no result."""


class PendingRequest:
    """Delivers exactly one outcome to ``on_outcome``; later calls are no-ops.

    ``open_seqs``, when given, is the set of seqs its session still waits on: the
    request leaves it once it has an outcome.
    """

    __slots__ = ("client_id", "done", "on_outcome", "open_seqs", "seq")

    def __init__(
        self, client_id: int, seq: int, on_outcome: OnOutcome, open_seqs: set[int] | None = None
    ) -> None:
        self.client_id = client_id
        self.seq = seq
        self.on_outcome = on_outcome
        self.open_seqs = open_seqs
        self.done = False

    def resolve(self, reply: Reply) -> None:
        """The command was applied (or found applied): deliver its result."""
        self._end(Rejected(ALREADY_ACKNOWLEDGED) if reply.expired else reply.result)

    def fail(self, error: RabiaError) -> None:
        """End the wait with ``error``."""
        self._end(error)

    def _end(self, outcome: Outcome) -> None:
        if not self.done:
            self.done = True
            if self.open_seqs is not None:
                self.open_seqs.discard(self.seq)
            self.on_outcome(outcome)


def outcome_future(loop: asyncio.AbstractEventLoop) -> tuple[asyncio.Future[bytes], OnOutcome]:
    """A future and the ``OnOutcome`` that settles it (once: later outcomes are dropped)."""
    future: asyncio.Future[bytes] = loop.create_future()

    def settle(outcome: Outcome) -> None:
        if future.done():
            return
        if isinstance(outcome, bytes):
            future.set_result(outcome)
        else:
            future.set_exception(outcome)

    return future, settle
