"""Linearizable reads without the log: the read barrier (protocol 5c, ADR 0017).

A replica X holding reads sends ``Barrier`` to every other member of its latest
configuration and counts itself. Each member answers with its *mark*, the highest slot
in which it has spoken or learnt a decision. Once Q = n - f members of that
configuration have answered, B is the largest of their marks, and the reads may be
answered from X's state as soon as X has decided (and, by the driver's loop, applied)
every slot up to B. A configuration change before the release restarts the barrier
under the new configuration. One barrier is out at a time: reads that arrive while it
is out wait for the next one, and every read waiting shares it.

The core never sees a read's query: ``read`` hands out a ticket, and a Ready's
``reads_below`` tells the driver which tickets it may answer after applying that
Ready's ``committed`` entries.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import NamedTuple

from rabia.core.agreement import ResendTimer
from rabia.core.config import ReplicaConfig
from rabia.core.membership import Configuration
from rabia.core.messages import Barrier, BarrierAck
from rabia.core.ready import Outbox
from rabia.core.stats import ReplicaStats


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
        "_current",
        "_incarnation",
        "_issued",
        "_me",
        "_number",
        "_outbox",
        "_released",
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
        self._current: _Round | None = None

    @property
    def active(self) -> bool:
        """True while some read waits (the replica then calls ``poll`` after each input)."""
        return self._issued > self._released

    @property
    def waiting(self) -> int:
        """Reads handed a ticket and not released yet."""
        return self._issued - self._released

    # ------------------------------------------------------------------ reader
    def read(self, standing: Standing, tick: int) -> int:
        """A new read: its ticket. It joins the next barrier, never one already sent."""
        ticket = self._issued
        self._issued += 1
        current = self._current
        if current is not None and self._unsafe.barrier_late_join:
            current.covers = self._issued
        self.poll(standing, tick)
        return ticket

    def on_ack(self, message: BarrierAck, standing: Standing, tick: int) -> None:
        """A member answered: count it if it answers the barrier out, as a member of its
        configuration."""
        current = self._current
        if (
            current is None
            or current.bound is not None
            or message.incarnation != self._incarnation
            or message.number != current.number
            or message.sender not in current.config.members
        ):
            return
        current.marks.setdefault(message.sender, message.mark)
        self.poll(standing, tick)

    def poll(self, standing: Standing, tick: int) -> None:
        """Restart on a configuration change, count this replica, fix B at a quorum,
        release once ``next_slot > B``, and start the next barrier when reads wait."""
        while True:
            current = self._current
            if current is None:
                if self._issued == self._released:
                    return
                current = self._start(standing, tick)
            elif standing.config != current.config and not self._unsafe.barrier_no_restart:
                self._stats.barrier_restarts += 1
                current = self._start(standing, tick)
            if current.bound is None:
                me = self._me
                if standing.answers and me in current.config.members:
                    current.marks.setdefault(me, standing.mark)
                if len(current.marks) < self._needed(current.config):
                    return
                current.bound = max(current.marks.values())
            if standing.next_slot <= current.bound:
                return
            self._release(current)

    def tick(self, standing: Standing, tick: int) -> None:
        """Re-send the barrier out to the members that have not answered, when due."""
        if not self.active:
            return
        self.poll(standing, tick)
        current = self._current
        if current is None or current.bound is not None or not self._timer.is_due(tick):
            return
        self._send(current, skip=current.marks)
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
    def _needed(self, config: Configuration) -> int:
        if self._unsafe.barrier_short_quorum:
            return max(1, config.quorum - 1)
        return config.quorum

    def _start(self, standing: Standing, tick: int) -> _Round:
        """Send a new barrier under the latest configuration; it covers every read so far."""
        self._number += 1
        current = self._current = _Round(self._number, standing.config, self._issued)
        self._send(current, skip=())
        self._timer.restart(tick)
        self._stats.barriers += 1
        return current

    def _send(self, current: _Round, skip: Container[int]) -> None:
        message = Barrier(self._me, self._incarnation, current.number)
        out = self._outbox.ready.messages
        me = self._me
        for member in current.config.members:
            if member != me and member not in skip:
                out.append((member, message))

    def _release(self, current: _Round) -> None:
        self._stats.reads_released += current.covers - self._released
        self._released = current.covers
        self._outbox.ready.reads_below = current.covers
        self._current = None
