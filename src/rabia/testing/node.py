"""One simulated replica process: a ``Replica`` with its storage, applier and state machine.

:class:`SimNode` runs the driver loop of ``rabia.core.ready`` after every input: store
the Ready's records (synced when it asks), send its messages, apply its committed
slots, ``advance()``, and repeat while ``has_ready()``. Everything it says, observes
and applies is shown to the :class:`~rabia.testing.invariants.SafetyMonitor`.

A crash keeps only the storage's durable prefix; a restart builds a fresh
``Replica`` from it, with a fresh ``Applier`` and state machine, so the replica
re-applies its recovered log from slot 0.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec

from rabia.core.apply import Applier
from rabia.core.config import ReplicaConfig
from rabia.core.messages import Command, Message
from rabia.core.ready import Committed, Decided
from rabia.core.replica import Replica
from rabia.testing.invariants import SafetyMonitor
from rabia.testing.storage import MemoryStorage
from rabia.testing.workload import AppendMachine

UP, PAUSED, DOWN, STOPPED = 0, 1, 2, 3
"""Process states: running, paused (inputs held), crashed (will restart), crash-stopped."""
STATUS_NAMES = ("up", "paused", "down", "stopped")

_TRACE_MSG = struct.Struct(">qiB")
_TRACE_DECIDED = struct.Struct(">qiqB")
encode = msgspec.msgpack.Encoder().encode
"""Canonical encoding of messages (and decided ids) for the trace hash."""

ClientOp = tuple[int, int]
Send = Callable[[int, int, Message], None]
"""send(source, destination or BROADCAST, message)."""
ReplyTo = Callable[[ClientOp, bytes], None]
"""reply((client_id, seq), result): answer a waiting client."""


class Trace(Protocol):
    """The running hash a node appends its deliveries and decisions to."""

    def update(self, data: bytes, /) -> None: ...


class SimNode:
    """A replica process in the simulation (see the module docstring)."""

    __slots__ = (
        "applier",
        "armed",
        "armed_action",
        "config",
        "held",
        "life",
        "machine",
        "monitor",
        "node_id",
        "reached",
        "replica",
        "reply_to",
        "send",
        "status",
        "storage",
        "trace",
        "waiting",
    )

    def __init__(
        self,
        config: ReplicaConfig,
        storage: MemoryStorage,
        monitor: SafetyMonitor,
        send: Send,
        reply_to: ReplyTo,
        trace: Trace,
    ) -> None:
        self.node_id = config.node_id
        self.config = config
        self.storage = storage
        self.monitor = monitor
        self.send = send
        self.reply_to = reply_to
        self.trace = trace
        self.status = UP
        self.life = 0
        """Incarnation counted by the simulator (fresh applier on every restart)."""
        self.held: list[tuple[int, Any]] = []
        """Inputs that arrived while paused, delivered in order on resume."""
        self.waiting: set[ClientOp] = set()
        """Client requests this node accepted and will answer once applied."""
        self.reached = -1
        """``next_slot`` when the node last crashed (-1: never crashed)."""
        self.armed = 0
        """Crash after this many more copies of REQ/PROPOSAL/STATE/VOTE (0: not armed)."""
        self.armed_action: tuple[Any, ...] = ()
        self.machine = AppendMachine()
        self.applier = Applier(self.machine.apply)
        self.replica = Replica(config, storage.recovered())

    # ------------------------------------------------------------- lifecycle
    def crash(self, stop: bool) -> None:
        """Crash (``stop``: for good); only the durable records survive."""
        self.reached = max(self.reached, self.replica.next_slot)
        self.status = STOPPED if stop else DOWN
        self.storage.crash()
        self.held.clear()
        self.waiting.clear()
        self.armed = 0

    def restart(self, now: int) -> None:
        """Start a fresh process from the durable records."""
        self.life += 1
        self.status = UP
        self.machine = AppendMachine()
        self.applier = Applier(self.machine.apply)
        self.replica = Replica(self.config, self.storage.recovered())
        self.drain(now)

    @property
    def recovering(self) -> bool:
        """Restarted and not yet past the slot it had reached, or still abstaining."""
        replica = self.replica
        return self.reached >= 0 and (replica.next_slot <= self.reached or replica.abstaining)

    # ----------------------------------------------------------------- inputs
    def deliver(self, now: int, message: Message, data: bytes) -> None:
        """A peer's message arrives."""
        self.trace.update(_TRACE_MSG.pack(now, self.node_id, 0) + data)
        replica = self.replica
        replica.step(message)
        if replica.has_ready():
            self.drain(now)

    def tick(self, now: int) -> None:
        """One tick of the replica (and a group commit in ``batch`` storage)."""
        self.storage.tick(now)
        replica = self.replica
        replica.tick()
        if replica.has_ready():
            self.drain(now)

    def arrive(self, command: Command) -> bytes | None:
        """A client request arrives: its cached reply, or None once queued for submit."""
        cached = self.applier.sessions.lookup(command.client_id, command.seq)
        if cached is None:
            self.waiting.add((command.client_id, command.seq))
        return cached

    def submit(self, now: int, commands: Sequence[Command]) -> None:
        """Originate one batch of the requests that arrived at this instant."""
        self.replica.submit(commands, now)
        self.drain(now)

    # ------------------------------------------------------------ driver loop
    def drain(self, now: int) -> None:
        """Persist -> send -> apply -> advance, while the replica has work."""
        replica = self.replica
        monitor = self.monitor
        nid = self.node_id
        send = self.send
        while replica.has_ready():
            ready = replica.ready()
            if ready.records:
                self.storage.append(ready.records, ready.sync)
            for dest, message in ready.messages:
                monitor.sent(nid, message)
                send(nid, dest, message)
            if ready.events:
                monitor.events(nid, self.life, ready.events)
                for event in ready.events:
                    if type(event) is Decided:
                        self.trace.update(
                            _TRACE_DECIDED.pack(now, nid, event.slot, event.phase)
                            + encode(event.batch_id)
                        )
            for entry in ready.committed:
                self._apply(entry)
            replica.advance()

    def _apply(self, entry: Committed) -> None:
        monitor = self.monitor
        applier = self.applier
        replies = applier.apply(entry)
        monitor.applied(self.node_id, entry.slot, applier.chain, self.machine.digest)
        waiting = self.waiting
        for reply in replies:
            monitor.reply(self.node_id, self.life, reply)
            op = (reply.client_id, reply.seq)
            if op in waiting and not reply.expired:
                waiting.discard(op)
                self.reply_to(op, reply.result)

    def describe(self) -> str:
        """``id:status next=... in_slot=...`` for failure messages."""
        r = self.replica
        return f"{self.node_id}:{STATUS_NAMES[self.status]} next={r.next_slot} in_slot={r.in_slot}"


def check_quiescent(monitor: SafetyMonitor, nodes: Sequence[SimNode]) -> None:
    """End-of-run checks: the live replicas decided, applied and hold the same thing."""
    live = [n for n in nodes if n.status == UP]
    describe = ", ".join(n.describe() for n in nodes)
    if len({n.replica.next_slot for n in live}) > 1:
        monitor.violation(f"liveness: replicas disagree on next_slot: {describe}")
    for n in live:
        r = n.replica
        if r.in_slot:
            monitor.violation(f"stuck slot {r.next_slot} at node {n.node_id}: {describe}")
        if n.applier.applied_slot != r.next_slot - 1:
            monitor.violation(
                f"node {n.node_id} applied up to {n.applier.applied_slot} "
                f"but decided up to {r.next_slot - 1}"
            )
    if len({(n.applier.chain, n.machine.state_hash()) for n in live}) > 1:
        monitor.violation("divergence: live replicas hold different logs or states")
    for n in live:
        monitor.check_acked_applied(n.node_id, monitor.applied_ops(n.node_id, n.life))
