"""A caller waiting for its command (``rabia.runtime.pending``)."""

from __future__ import annotations

from rabia.core.apply import Reply
from rabia.errors import RabiaError, Timeout
from rabia.runtime.pending import Outcome, PendingRequest

SESSION = 77


def _reply(seq: int, result: bytes, *, client: int = SESSION, expired: bool = False) -> Reply:
    return Reply(5, (0, 0, 0), client, seq, result, False, expired)


def test_a_pending_request_leaves_its_open_set_once_ended() -> None:
    open_seqs = {3}
    got: list[Outcome] = []
    request = PendingRequest(1, 3, got.append, open_seqs)
    error: RabiaError = Timeout("late")
    request.fail(error)
    request.resolve(_reply(3, b"x", client=1))
    assert got == [error] and open_seqs == set() and request.done
