"""Linearizable reads without the log: the read barrier (protocol 5c, ADR 0017).

A replica X holding reads sends ``Barrier`` to every other member of its latest
configuration and counts itself. Each member answers with its *mark*, the highest slot
in which it has spoken or learnt a decision. Once Q = n - f members of that
configuration have answered, B is the largest of their marks, and the reads may be
answered from X's state as soon as X has decided (and, by the driver's loop, applied)
every slot up to B. A configuration change before the release restarts the barrier
under the new configuration.

Barriers are pipelined: a barrier covers the reads that had a ticket when it was sent;
reads that arrive while it collects answers wait for the next one, which starts as soon
as it has its quorum (up to ``MAX_OUT`` barriers out). Releases go in ticket order: a
barrier's release answers every read before it too.

The core never sees a read's query: ``read`` hands out a ticket, and a Ready's
``reads_below`` tells the driver which tickets it may answer after applying that
Ready's ``committed`` entries.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container
from dataclasses import dataclass, field
from typing import NamedTuple

from rabia.core.agreement import ResendTimer
from rabia.core.config import ReplicaConfig
from rabia.core.membership import Configuration
from rabia.core.messages import Barrier, BarrierAck
from rabia.core.ready import Outbox
from rabia.core.stats import ReplicaStats

MAX_OUT = 4
"""Barriers out at once: one collecting answers, the others waiting for their B."""


class Standing(NamedTuple):
    """Where the replica stands, as the barrier needs it."""

    next_slot: int
    """The lowest slot the replica has not decided."""
    mark: int
    """The highest slot it has spoken in or learnt the decision of (-1: none)."""
    config: Configuration
    """Its latest configuration (that of ``next_slot``)."""
    answers: bool
    """False while it abstains after a restart (5b): it then answers no barrier."""


@dataclass(slots=True)
class _Round:
    """One barrier out: its number, configuration, the reads it covers and its answers."""

    number: int
    config: Configuration
    covers: int
    """Tickets below this are released with this barrier."""
    needed: int
    """Answers that make its quorum."""
    marks: dict[int, int] = field(default_factory=dict)
    """member -> the mark it answered (this replica's own included)."""
    bound: int | None = None
    """B, once a quorum answered."""


class ReadBarrier:
    """The read barrier of one replica (see the module docstring).

    It appends its messages and releases to the replica's ``Outbox``; the replica gives
    it a fresh ``Standing`` with every call.
    """

    __slots__ = (
        "_incarnation",
        "_issued",
        "_me",
        "_number",
        "_outbox",
        "_released",
        "_rounds",
        "_stats",
        "_timer",
        "_unsafe",
    )

    def __init__(
        self, config: ReplicaConfig, incarnation: int, outbox: Outbox, stats: ReplicaStats
    ) -> None:
        self._me = config.node_id
        self._unsafe = config.unsafe
        self._incarnation = incarnation
        self._outbox = outbox
        self._stats = stats
        self._timer = ResendTimer(config.resend_ticks, config.max_resend_ticks)
        self._issued = 0
        """Tickets handed out so far."""
        self._released = 0
        """Tickets below this were released."""
        self._number = 0
        """Barriers started in this life."""
        self._rounds: deque[_Round] = deque()
        """The barriers out, oldest first; only the newest may lack its B."""

    @property
    def active(self) -> bool:
        """True while some read waits (the replica then calls ``poll`` after each input)."""
        return self._issued > self._released

    @property
    def waiting(self) -> int:
        """Reads handed a ticket and not released yet."""
        return self._issued - self._released

    @property
    def out(self) -> int:
        """Barriers sent and not released."""
        return len(self._rounds)

    @property
    def collecting(self) -> bool:
        """True while the newest barrier waits for its quorum: a new read then only takes
        a ticket (``ticket``), as it waits for the next barrier, which starts at a poll."""
        rounds = self._rounds
        return bool(rounds) and rounds[-1].bound is None

    # ------------------------------------------------------------------ reader
    def read(self, standing: Standing, tick: int) -> int:
        """A new read: its ticket. It joins the next barrier, never one already sent."""
        ticket = self.ticket()
        self.poll(standing, tick)
        return ticket

    def ticket(self) -> int:
        """A new read's ticket, without a poll: enough while ``collecting`` (nothing is
        released, restarted or started before the next poll, which every input makes)."""
        ticket = self._issued
        self._issued += 1
        if self._rounds and self._unsafe.barrier_late_join:
            self._rounds[-1].covers = self._issued
        return ticket

    def on_ack(self, message: BarrierAck, standing: Standing, tick: int) -> None:
        """A member answered: count it if it answers the barrier collecting answers, as a
        member of its configuration."""
        collecting = self._collecting()
        if (
            collecting is None
            or message.incarnation != self._incarnation
            or message.number != collecting.number
            or message.sender not in collecting.config.members
        ):
            return
        collecting.marks.setdefault(message.sender, message.mark)
        self.poll(standing, tick)

    def poll(self, standing: Standing, tick: int) -> None:
        """Restart on a configuration change, count this replica, fix B at a quorum,
        release once ``next_slot > B``, and start the next barrier when reads wait."""
        rounds = self._rounds
        if rounds and standing.config != rounds[-1].config and not self._unsafe.barrier_no_restart:
            self._stats.barrier_restarts += 1
            rounds.clear()
        while True:
            self._count(standing)
            self._release(standing)
            if not self._may_start():
                return
            self._start(standing, tick)

    def tick(self, standing: Standing, tick: int) -> None:
        """Re-send the barrier collecting answers to the members that have not answered,
        when due."""
        if not self.active:
            return
        self.poll(standing, tick)
        collecting = self._collecting()
        if collecting is None or not self._timer.is_due(tick):
            return
        self._send(collecting, skip=collecting.marks)
        self._timer.back_off(tick)

    # ------------------------------------------------------------------ member
    def answer(self, message: Barrier, standing: Standing) -> None:
        """Answer a peer's barrier with this replica's mark, unless it abstains."""
        if not standing.answers:
            return
        ack = BarrierAck(
            self._me, message.incarnation, message.number, standing.mark, standing.config.epoch
        )
        self._outbox.ready.messages.append((message.sender, ack))

    # --------------------------------------------------------------- internals
    def _collecting(self) -> _Round | None:
        """The newest barrier, while it has no B yet."""
        rounds = self._rounds
        if rounds and rounds[-1].bound is None:
            return rounds[-1]
        return None

    def _needed(self, config: Configuration) -> int:
        if self._unsafe.barrier_short_quorum:
            return max(1, config.quorum - 1)
        return config.quorum

    def _count(self, standing: Standing) -> None:
        """Add this replica's own answer; fix B at a quorum and drop the older barriers it
        makes useless (their B is no lower, and it covers their reads)."""
        collecting = self._collecting()
        if collecting is None:
            return
        if standing.answers and self._me in collecting.config.members:
            collecting.marks.setdefault(self._me, standing.mark)
        if len(collecting.marks) < collecting.needed:
            return
        bound = collecting.bound = max(collecting.marks.values())
        if len(self._rounds) > 1:
            self._rounds = deque(
                b
                for b in self._rounds
                if b is collecting or (b.bound is not None and b.bound < bound)
            )

    def _release(self, standing: Standing) -> None:
        """Release the newest barrier whose B is decided, and every older one with it."""
        rounds = self._rounds
        for index in range(len(rounds) - 1, -1, -1):
            bound = rounds[index].bound
            if bound is not None and standing.next_slot > bound:
                break
        else:
            return
        covers = rounds[index].covers
        for _ in range(index + 1):
            rounds.popleft()
        self._stats.reads_released += covers - self._released
        self._released = covers
        self._outbox.ready.reads_below = covers

    def _may_start(self) -> bool:
        """Reads wait that no barrier out covers, none collects, and the cap allows."""
        rounds = self._rounds
        if not rounds:
            return self._issued > self._released
        newest = rounds[-1]
        return newest.bound is not None and self._issued > newest.covers and len(rounds) < MAX_OUT

    def _start(self, standing: Standing, tick: int) -> None:
        """Send a new barrier under the latest configuration; it covers every read so far."""
        self._number += 1
        config = standing.config
        started = _Round(self._number, config, self._issued, self._needed(config))
        self._rounds.append(started)
        self._send(started, skip=())
        self._timer.restart(tick)
        self._stats.barriers += 1

    def _send(self, barrier: _Round, skip: Container[int]) -> None:
        message = Barrier(self._me, self._incarnation, barrier.number)
        out = self._outbox.ready.messages
        me = self._me
        for member in barrier.config.members:
            if member != me and member not in skip:
                out.append((member, message))
