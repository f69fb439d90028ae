"""A reply a connection owes, holding its place in the answer order until its log entry's
outcome arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rabia.errors import RabiaError
from rabia.kv import resp
from rabia.runtime.pending import Outcome


class Owner(Protocol):
    """The connection a reply is owed by."""

    def _completed(self, number: int = -1) -> None: ...


class PendingReply:
    """A reply the connection owes, holding its place in the answer order until its log
    entry's outcome arrives (this object is the ``OnOutcome`` callback)."""

    __slots__ = ("_connection", "number", "reply", "resp3", "transform")

    def __init__(
        self, connection: Owner, resp3: bool, transform: Callable[[bytes], bytes] | None
    ) -> None:
        self._connection = connection
        self.number = -1
        """The log command's number in its connection's order (``rabia.kv.reads``)."""
        self.reply: bytes | None = None
        self.resp3 = resp3
        """Whether the client spoke RESP3 when it sent the command."""
        self.transform = transform
        """Turns the machine's reply into the client's (e.g. WATCH recording revisions)."""

    def __call__(self, outcome: Outcome) -> None:
        if isinstance(outcome, bytes):
            reply = outcome if self.transform is None else self.transform(outcome)
        else:
            reply = _rabia_error(outcome)
        self.reply = resp.to_resp3(reply) if self.resp3 else reply
        self._connection._completed(self.number)


def _rabia_error(exc: RabiaError) -> bytes:
    """The reply for a command the node failed: TRYAGAIN when it may still apply."""
    code = b"TRYAGAIN " if exc.may_have_applied else b"ERR "
    return resp.coded_error(code + str(exc).encode())
