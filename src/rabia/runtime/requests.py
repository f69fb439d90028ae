"""The commands a node waits on for its callers: numbering, deadlines, outcomes.

Commands submitted through the node itself (``Node.submit``) belong to the node's own
client session: the tracker numbers them and keeps the session's acknowledged mark
(the lowest seq still waiting), which travels in every command so the replicated
session table can drop replies nobody will ask for again. Remote clients' commands
(the client port) carry their own (client_id, seq) and only wait here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rabia.core.apply import Reply, SessionTable
from rabia.core.messages import Command
from rabia.errors import RabiaError, Timeout
from rabia.runtime.pending import OnOutcome, PendingRequest


class RequestTracker:
    """Pending requests by (client_id, seq), with per-timeout FIFOs of deadlines."""

    __slots__ = ("_deadlines", "_low_seq", "_next_seq", "_open_seqs", "_waiting", "session")

    def __init__(self, session: int) -> None:
        self.session = session
        """The node's own client id."""
        self._next_seq = 0
        self._open_seqs: set[int] = set()
        self._low_seq = 0
        self._waiting: dict[tuple[int, int], PendingRequest] = {}
        self._deadlines: dict[float, deque[tuple[float, PendingRequest]]] = {}
        """Per timeout value, (deadline, request) in submission order."""

    def __len__(self) -> int:
        return len(self._waiting)

    def new_local(self, op: bytes, on_outcome: OnOutcome, timeout: float, now: float) -> Command:
        """Number a command of the node's own session and wait for it until ``now +
        timeout``; returns the command to propose."""
        seq = self._next_seq
        self._next_seq = seq + 1
        request = PendingRequest(self.session, seq, on_outcome, self._open_seqs)
        self._waiting[(self.session, seq)] = request
        open_seqs = self._open_seqs
        open_seqs.add(seq)
        low = self._low_seq
        while low not in open_seqs and low < seq:
            low += 1
        self._low_seq = low
        queue = self._deadlines.get(timeout)
        if queue is None:
            queue = self._deadlines[timeout] = deque()
        queue.append((now + timeout, request))
        return Command(self.session, seq, op, low)

    def wait(self, command: Command, on_outcome: OnOutcome) -> None:
        """Wait (with no deadline) for a remote client's command."""
        key = (command.client_id, command.seq)
        self._waiting[key] = PendingRequest(command.client_id, command.seq, on_outcome)

    def resolve(self, replies: Iterable[Reply]) -> None:
        """Deliver the replies of an applied batch to whoever waits for them."""
        waiting = self._waiting
        if not waiting:  # a replica with no caller here (most of the time a follower)
            return
        for reply in replies:
            request = waiting.pop((reply.client_id, reply.seq), None)
            if request is not None:
                request.resolve(reply)

    def answer_from(self, sessions: SessionTable, slot: int) -> None:
        """A snapshot covered some waited-for commands: answer them from its table."""
        for key in list(self._waiting):
            cached = sessions.lookup(*key)
            if cached is not None:
                reply = Reply(slot - 1, (-1, -1, -1), key[0], key[1], cached, True)
                self._waiting.pop(key).resolve(reply)

    def expire(self, now: float) -> None:
        """Fail the commands past their deadline with ``Timeout``; forget finished ones.

        One FIFO per distinct timeout keeps deadlines in order, so only the fronts are
        looked at: O(1) per command, no timer per command.
        """
        for wait, queue in self._deadlines.items():
            while queue and (queue[0][1].done or queue[0][0] <= now):
                request = queue.popleft()[1]
                if not request.done:
                    self._waiting.pop((request.client_id, request.seq), None)
                    request.fail(
                        Timeout(f"no decision within {wait}s; the command may still apply")
                    )

    @property
    def has_deadlines(self) -> bool:
        """Whether any deadline queue exists (checked once per tick)."""
        return bool(self._deadlines)

    def fail_all(self, error: RabiaError) -> None:
        """End every wait with ``error`` (the node stops)."""
        waiting, self._waiting = self._waiting, {}
        for request in waiting.values():
            request.fail(error)
