"""One blocking command of one client, at the node it is connected to (ADR 0014).

The command goes into the log as ``RABIA.BCALL wid command``. Its answer is served, or
a waiter: the call then waits for the write that serves it (``served``, announced by the
machine while applying that write) or for its timeout (``UNBLOCK``). A served pop is
handed to the client only once its ``ACK`` is decided. A client that leaves gets its
waiter removed and its served pop put back (``RETURN``).

Sans-IO: the log, the registry the machine's announcements go through, and timers come in
through ``Waits``; the reply goes into the connection's ``PendingReply``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto
from typing import Protocol

from rabia.errors import RabiaError
from rabia.kv.blocking import (
    ACK_NEEDED,
    BLOCKED,
    GONE,
    SERVED,
    read_blocked,
)
from rabia.kv.blocking_undo import undo_command
from rabia.kv.entries import encode_command
from rabia.runtime.pending import OnOutcome, Outcome

Cancel = Callable[[], None]


class Waits(Protocol):
    """What a blocked call needs from its node (the RESP server)."""

    def submit(self, entry: bytes, on_outcome: OnOutcome) -> None:
        """Replicate ``entry`` (may raise ``RabiaError`` at once)."""

    def track(self, wid: bytes, call: BlockedCall | None) -> None:
        """Route the machine's announcements for ``wid`` to ``call`` (None: stop)."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancel:
        """Run ``callback`` after ``seconds``; returns what cancels it."""


class Stage(Enum):
    CALLING = auto()
    """``RABIA.BCALL`` submitted."""
    WAITING = auto()
    """A waiter in the machine."""
    UNBLOCKING = auto()
    """Timed out: ``UNBLOCK`` submitted."""
    ACKING = auto()
    """Served a pop: ``ACK`` submitted."""
    DONE = auto()


class BlockedCall:
    """The course of one blocking command; ``finish`` gets its one reply (or error)."""

    def __init__(self, wid: bytes, command: list[bytes], finish: OnOutcome, waits: Waits) -> None:
        self.wid = wid
        self.command = command
        self._finish = finish
        self._waits = waits
        self.stage = Stage.CALLING
        self.abandoned = False
        """The client left: nothing is delivered; served pops go back."""
        self._nil = b"*-1\r\n"
        self._cancel_timer: Cancel | None = None
        self._early: bytes | None = None
        """A served announcement that came before the call's own answer."""

    # -- the course ----------------------------------------------------------------------

    def start(self) -> None:
        """Submit the call."""
        self._waits.track(self.wid, self)
        self._submit([b"RABIA.BCALL", self.wid, *self.command], self._on_call)

    def _on_call(self, outcome: Outcome) -> None:
        if isinstance(outcome, RabiaError):
            self._submit_quietly([b"RABIA.BUNBLOCK", self.wid])  # in case it registered
            self._end(outcome)
            return
        if outcome.startswith(BLOCKED):
            timeout_us, self._nil = read_blocked(outcome)
            self.stage = Stage.WAITING
            if self.abandoned:
                self._unblock()
            elif self._early is not None:
                self.served(self._early)
            elif timeout_us:
                self._cancel_timer = self._waits.call_later(timeout_us / 1e6, self._timed_out)
        else:
            self._answer(outcome)

    def served(self, marker: bytes) -> None:
        """The machine served this call's waiter while applying a write."""
        if self.stage is Stage.CALLING:
            self._early = marker
        elif self.stage in (Stage.WAITING, Stage.UNBLOCKING):
            self._stop_timer()
            self._answer(marker)
        elif marker.startswith(ACK_NEEDED):  # done or abandoned: nobody takes it
            self._submit_quietly([b"RABIA.BRETURN", self.wid])

    def _answer(self, outcome: bytes) -> None:
        """A served marker (or a plain reply: an error) from the call or the machine."""
        if outcome.startswith(ACK_NEEDED):
            if self.abandoned:
                self._submit_quietly([b"RABIA.BRETURN", self.wid])
                self._end(None)
            else:
                self.stage = Stage.ACKING
                self._submit([b"RABIA.BACK", self.wid], self._on_ack)
        elif outcome.startswith(SERVED):
            self._end(outcome[len(SERVED) :])
        else:
            self._end(outcome)

    def _on_ack(self, outcome: Outcome) -> None:
        if isinstance(outcome, bytes) and outcome == GONE:
            if self.abandoned:
                self._end(None)
                return
            # Put back before the ACK (no ACK for DELIVERY_TTL): wait again.
            self.stage = Stage.CALLING
            self._early = None
            self._submit([b"RABIA.BCALL", self.wid, *self.command], self._on_call)
        elif isinstance(outcome, bytes) and self.abandoned:
            undo = undo_command(self.command, outcome)  # taken, and the client left
            if undo is not None:
                self._submit_quietly(undo)
            self._end(None)
        else:
            self._end(outcome)

    def _timed_out(self) -> None:
        self._cancel_timer = None
        if self.stage is Stage.WAITING:
            self._unblock()

    def _unblock(self) -> None:
        self.stage = Stage.UNBLOCKING
        self._submit([b"RABIA.BUNBLOCK", self.wid], self._on_unblock)

    def _on_unblock(self, outcome: Outcome) -> None:
        if self.stage is not Stage.UNBLOCKING:
            return  # served meanwhile
        # UNBLOCKED, or NOTHING: the waiter is gone and was not served (a serve is announced
        # while its write applies, before this later outcome): its deadline passed in log
        # time first. Either way the call times out.
        self._end(self._nil)

    def abandon(self) -> None:
        """The client left: remove the waiter; put back what a pop took."""
        if self.stage is Stage.DONE or self.abandoned:
            return
        self.abandoned = True
        self._stop_timer()
        if self.stage is Stage.WAITING:
            self._unblock()
        # CALLING: decided when the call's answer comes; ACKING: when the ACK's does.

    # -- plumbing ------------------------------------------------------------------------

    def _end(self, outcome: Outcome | None) -> None:
        self.stage = Stage.DONE
        self._stop_timer()
        self._waits.track(self.wid, None)
        if outcome is not None and not self.abandoned:
            self._finish(outcome)

    def _stop_timer(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    def _submit(self, args: list[bytes], on_outcome: OnOutcome) -> None:
        try:
            self._waits.submit(encode_command(args), on_outcome)
        except RabiaError as exc:
            on_outcome(exc)

    def _submit_quietly(self, args: list[bytes]) -> None:
        """Submit an entry whose outcome does not matter to the client."""
        self._submit(args, _ignore)


def _ignore(outcome: Outcome) -> None:
    pass
