"""One simulated replica process: a ``Replica`` with its storage, applier and state machine.

:class:`SimNode` runs the driver loop of ``rabia.core.ready`` after every input: store
the Ready's records (synced when it asks), send its messages, apply its committed
slots, ``advance()``, and repeat while ``has_ready()``. Everything it says, observes
and applies is shown to the :class:`~rabia.testing.invariants.SafetyMonitor`.

With ``compact_every`` K set, the node saves a snapshot (applier + state machine)
whenever K slots were applied since the log's start, stores it as a ``SnapshotRecord``
(which drops the records it supersedes) and compacts the replica's log; it answers a
``SnapshotWanted`` event with its latest snapshot.

A crash keeps only the storage's durable prefix; a restart builds a fresh
``Replica`` from it, with a fresh ``Applier`` and state machine, so the replica
installs its latest snapshot and re-applies the recovered log above it.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec

from rabia.core.apply import Applier
from rabia.core.config import ReplicaConfig
from rabia.core.messages import BROADCAST, Command, Message
from rabia.core.ready import (
    Committed,
    ConfigChanged,
    Decided,
    InstalledSnapshot,
    SnapshotRecord,
    SnapshotWanted,
)
from rabia.core.replica import Replica
from rabia.core.transfer import snapshot_to_send
from rabia.testing.invariants import SafetyMonitor
from rabia.testing.storage import MemoryStorage
from rabia.testing.workload import AppendMachine, BarrierRead

UP, PAUSED, DOWN, STOPPED = 0, 1, 2, 3
"""Process states: running, paused (inputs held), crashed (will restart), crash-stopped."""
STATUS_NAMES = ("up", "paused", "down", "stopped")

_TRACE_MSG = struct.Struct(">qiB")
_TRACE_DECIDED = struct.Struct(">qiqB")
encode = msgspec.msgpack.Encoder().encode
_decode_app = msgspec.msgpack.Decoder(tuple[bytes, bytes]).decode
"""Canonical encoding of messages (and decided ids) for the trace hash."""

ClientOp = tuple[int, int]
Send = Callable[[int, Sequence[int], Message], None]
"""send(source, destinations, message)."""
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
        "compact_every",
        "config",
        "held",
        "intact",
        "life",
        "machine",
        "monitor",
        "node_id",
        "previous",
        "reached",
        "reads",
        "replica",
        "reply_to",
        "send",
        "snapshot",
        "status",
        "storage",
        "trace",
        "transfers",
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
        compact_every: int = 0,
    ) -> None:
        self.node_id = config.node_id
        self.compact_every = compact_every
        """Save a snapshot and compact every this many slots (0: never)."""
        self.transfers = 0
        """Snapshots received from a peer and installed (restarts not counted)."""
        self.snapshot: SnapshotRecord | None = None
        """The latest snapshot saved or installed: what a ``SnapshotWanted`` gets."""
        self.previous: SnapshotRecord | None = None
        """The snapshot before it, kept for a transfer that started from it (ADR 0011)."""
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
        self.reads: deque[tuple[int, BarrierRead]] = deque()
        """(ticket, read) of the barrier reads waiting here, in ticket order."""
        self.reached = -1
        """``next_slot`` when the node last crashed (-1: never crashed)."""
        self.armed = 0
        """Crash after this many more copies of REQ/PROPOSAL/STATE/VOTE (0: not armed)."""
        self.armed_action: tuple[Any, ...] = ()
        self.intact = False
        """The last crash kept every stored record (a process crash, or ``always``)."""
        self.machine = AppendMachine()
        self.applier = Applier(self.machine.apply)
        self.replica = self._load()

    def _load(self) -> Replica:
        """A replica from the durable records (and the latest snapshot among them)."""
        intact = self.intact
        recovered = self.storage.recovered(everything=intact)
        snapshots = [r for r in recovered if isinstance(r, SnapshotRecord)]
        self.snapshot = max(snapshots, key=lambda r: r.slot) if snapshots else None
        return Replica(self.config, recovered, intact=intact)

    # ------------------------------------------------------------- lifecycle
    def crash(self, stop: bool, power: bool = True) -> int:
        """Crash (``stop``: for good). A power loss keeps only the durable records; a
        process crash (``power`` false) keeps everything the node stored, and the node
        restarts knowing so (ADR 0010).

        Returns how many records of the unsynced tail the crash lost.
        """
        self.reached = max(self.reached, self.replica.next_slot)
        self.status = STOPPED if stop else DOWN
        self.intact = not power or self.storage.mode == "always"
        lost = self.storage.crash() if power else 0
        self.held.clear()
        self.waiting.clear()
        self.reads.clear()
        self.armed = 0
        return lost

    def restart(self, now: int) -> None:
        """Start a fresh process from the durable records."""
        self.life += 1
        self.reads.clear()
        self.status = UP
        self.machine = AppendMachine()
        self.applier = Applier(self.machine.apply)
        self.replica = self._load()
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

    def read(self, now: int, request: BarrierRead) -> None:
        """A client's barrier read arrives: answered once the read barrier releases it."""
        self.reads.append((self.replica.read(), request))
        self.drain(now)

    def reconfigure(self, now: int, add: Sequence[tuple[int, str]], remove: Sequence[int]) -> None:
        """Originate a membership change at this replica."""
        self.replica.submit_reconfigure(add, remove, now)
        self.drain(now)

    def submit(self, now: int, commands: Sequence[Command]) -> None:
        """Originate one batch of the requests that arrived at this instant."""
        self.replica.submit(commands, now)
        self.drain(now)

    # ------------------------------------------------------------ driver loop
    def drain(self, now: int) -> None:
        """Persist -> install -> send -> apply -> (compact) -> advance, while there is work."""
        replica = self.replica
        monitor = self.monitor
        nid = self.node_id
        send = self.send
        while replica.has_ready():
            ready = replica.ready()
            if ready.records:
                self.storage.append(ready.records, ready.sync)
            if ready.install is not None:
                if any(type(r) is SnapshotRecord for r in ready.records):
                    self.transfers += 1  # from a peer (a restart re-installs without a record)
                self._install(ready.install)
            if ready.events:
                for event in ready.events:
                    if type(event) is ConfigChanged:
                        monitor.config_changed(nid, event)
            peers = ready.peers
            for dest, message in ready.messages:
                monitor.sent(nid, message)
                send(nid, peers if dest == BROADCAST else (dest,), message)
            if ready.events:
                monitor.events(nid, self.life, ready.events)
                for event in ready.events:
                    if type(event) is SnapshotWanted:
                        self._send_snapshot(event)
                    elif type(event) is Decided:
                        monitor.slot_config(nid, event.slot, replica.configuration_at(event.slot))
                        self.trace.update(
                            _TRACE_DECIDED.pack(now, nid, event.slot, event.phase)
                            + encode(event.batch_id)
                        )
            for entry in ready.committed:
                self._apply(entry)
            if ready.reads_below:
                self._answer_reads(ready.reads_below)
            if self.compact_every and replica.next_slot - replica.log_start >= self.compact_every:
                self._compact()
            replica.advance()

    def _compact(self) -> None:
        """Save a snapshot at ``next_slot`` (everything below is applied) and compact."""
        replica = self.replica
        slot = replica.next_slot
        assert self.applier.applied_slot == slot - 1
        app_state = encode((self.applier.snapshot(), self.machine.snapshot()))
        record = SnapshotRecord(slot, replica.core_snapshot(), app_state)
        self.storage.append([record], True)
        self.previous, self.snapshot = self.snapshot, record
        # Keep the log from the previous snapshot on, as the runtime does (ADR 0011).
        replica.compact(slot if self.previous is None else self.previous.slot)

    def _send_snapshot(self, event: SnapshotWanted) -> None:
        """Offer the latest snapshot, or answer a pull from the snapshot it names."""
        snap, offset = snapshot_to_send(event, self.snapshot, self.previous)
        if snap is not None:
            self.replica.send_snapshot(
                event.peer, snap.slot, snap.core_state, snap.app_state, offset
            )

    def _install(self, install: InstalledSnapshot) -> None:
        """Restore the applier and the state machine from a snapshot the replica installed."""
        applier_state, machine_state = _decode_app(install.app_state)
        self.machine = AppendMachine.restore(machine_state)
        self.applier = Applier(self.machine.apply)
        self.applier.restore(applier_state)
        self.snapshot = SnapshotRecord(install.slot, install.core_state, install.app_state)
        self.previous = None
        sessions = self.applier.sessions
        for op in sorted(self.waiting):  # applied inside the snapshot: answer from it
            cached = sessions.lookup(*op)
            if cached is not None:
                self.waiting.discard(op)
                self.reply_to(op, cached)
        self.monitor.installed(
            self.node_id,
            self.life,
            install.slot,
            self.applier.chain,
            self.machine.digest,
            self.machine.ops(),
        )

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

    def _answer_reads(self, below: int) -> None:
        """Answer the barrier reads released (every committed slot is applied)."""
        reads = self.reads
        while reads and reads[0][0] < below:
            _, request = reads.popleft()
            self.reply_to((request.client_id, request.seq), self.machine.read(request.key))

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
