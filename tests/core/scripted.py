"""A hand-driven cluster for pinned scenarios: the test decides every delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from rabia.core import (
    BROADCAST,
    Batch,
    Command,
    Decided,
    Event,
    Message,
    Record,
    Replica,
    ReplicaConfig,
    UnsafeSwitches,
)
from rabia.core.ready import DecidedRecord, SentRecord, SnapshotRecord, SnapshotWanted

_encode_log = msgspec.msgpack.Encoder().encode
_decode_log = msgspec.msgpack.Decoder(list[Batch | None]).decode


@dataclass
class InFlight:
    src: int
    dst: int
    message: Message


@dataclass
class Node:
    replica: Replica
    records: list[Record] = field(default_factory=list)
    log: list[Batch | None] = field(default_factory=list)
    decided: list[Decided] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    """Every event its replica reported."""
    up: bool = True
    snapshot: SnapshotRecord | None = None
    """Latest snapshot saved or installed; its app_state is the encoded log below it."""
    answered: dict[int, int] = field(default_factory=dict)
    """read ticket -> the length of the applied log when the read was answered."""


class ScriptedCluster:
    """n replicas whose messages wait in a list until the test delivers them."""

    def __init__(
        self, n: int, *, seed: int = 0, unsafe: UnsafeSwitches | None = None, **kw: object
    ) -> None:
        self.members = tuple(range(n))
        self.unsafe = unsafe or UnsafeSwitches()
        self.kw = kw
        self.seed = seed
        self.nodes = {i: Node(Replica(self._config(i))) for i in self.members}
        self.in_flight: list[InFlight] = []
        self.sent: list[InFlight] = []
        self.clock = 0
        for i in self.members:
            self.drain(i)

    def _config(self, i: int) -> ReplicaConfig:
        return ReplicaConfig(
            i,
            self.members,
            seed=self.seed,
            unsafe=self.unsafe,
            **self.kw,  # type: ignore[arg-type]
        )

    def drain(self, i: int) -> None:
        node = self.nodes[i]
        replica = node.replica
        while replica.has_ready():
            ready = replica.ready()
            node.records.extend(ready.records)
            if ready.install is not None:
                install = ready.install
                node.log = _decode_log(install.app_state)
                assert len(node.log) == install.slot
                node.snapshot = SnapshotRecord(install.slot, install.core_state, install.app_state)
            for event in ready.events:
                if isinstance(event, SnapshotWanted) and node.snapshot is not None:
                    snap = node.snapshot
                    offset = event.offset if event.slot == snap.slot else -1
                    replica.send_snapshot(
                        event.peer, snap.slot, snap.core_state, snap.app_state, offset
                    )
            for dst, message in ready.messages:
                targets = list(ready.peers) if dst == BROADCAST else [dst]
                for t in targets:
                    if t not in self.nodes:
                        continue
                    item = InFlight(i, t, message)
                    self.in_flight.append(item)
                    self.sent.append(item)
            for entry in ready.committed:
                if entry.slot == len(node.log):
                    node.log.append(entry.batch)
            for ticket in range(len(node.answered), ready.reads_below):
                node.answered[ticket] = len(node.log)
            node.decided.extend(e for e in ready.events if isinstance(e, Decided))
            node.events.extend(ready.events)
            replica.advance()

    def compact(self, i: int) -> int:
        """Save node i's snapshot at its next slot (the app state is its log), compact."""
        node = self.nodes[i]
        replica = node.replica
        slot = replica.next_slot
        record = SnapshotRecord(slot, replica.core_snapshot(), _encode_log(node.log[:slot]))
        node.records[:] = [
            r
            for r in node.records
            if not (
                (isinstance(r, DecidedRecord | SnapshotRecord) and r.slot < slot)
                or (isinstance(r, SentRecord) and r.message.slot < slot)
            )
        ]
        node.records.append(record)
        node.snapshot = record
        replica.compact(slot)
        return slot

    def submit(self, i: int, op: bytes = b"x", client: int = 1, seq: int = 0) -> Batch:
        self.clock += 1
        node = self.nodes[i]
        batch_id = node.replica.submit([Command(client, seq, op)], self.clock)
        self.drain(i)
        for item in self.in_flight:
            if item.src == i and getattr(item.message, "batch", None) is not None:
                b = item.message.batch  # type: ignore[union-attr]
                if b.id == batch_id:
                    return b  # type: ignore[no-any-return]
        raise AssertionError("submitted batch not found")

    def read(self, i: int) -> int:
        """A linearizable read at node i: its ticket (``Node.answered`` once released)."""
        ticket = self.nodes[i].replica.read()
        self.drain(i)
        return ticket

    def deliver(self, pred: Callable[[InFlight], bool] = lambda m: True, limit: int = 10**6) -> int:
        """Deliver (in FIFO order) every in-flight message matching ``pred``; new ones too."""
        count = 0
        progress = True
        while progress and count < limit:
            progress = False
            for item in list(self.in_flight):
                if count >= limit:
                    break
                if item not in self.in_flight or not pred(item):
                    continue
                self.in_flight.remove(item)
                node = self.nodes[item.dst]
                if not node.up:
                    continue
                node.replica.step(item.message)
                self.drain(item.dst)
                count += 1
                progress = True
        return count

    def drop(self, pred: Callable[[InFlight], bool]) -> None:
        self.in_flight = [m for m in self.in_flight if not pred(m)]

    def tick(self, i: int, ticks: int = 1) -> None:
        for _ in range(ticks):
            if self.nodes[i].up:
                self.nodes[i].replica.tick()
                self.drain(i)

    def tick_all(self, ticks: int = 1) -> None:
        for _ in range(ticks):
            for i in sorted(self.nodes):
                self.tick(i)

    def add_joiner(self, i: int) -> None:
        """Start node ``i`` as a joiner: it knows the initial members, is not one of them."""
        config = ReplicaConfig(i, self.members, seed=self.seed, join=True, unsafe=self.unsafe)
        self.nodes[i] = Node(Replica(config))
        self.drain(i)

    def reconfigure(
        self, i: int, add: tuple[tuple[int, str], ...] = (), remove: tuple[int, ...] = ()
    ) -> None:
        self.clock += 1
        self.nodes[i].replica.submit_reconfigure(add, remove, self.clock)
        self.drain(i)

    def crash(self, i: int) -> None:
        self.nodes[i].up = False
        self.in_flight = [m for m in self.in_flight if m.dst != i]

    def restart(self, i: int, intact: bool | None = None) -> None:
        """Restart from every record ``i`` stored (``intact``: it may know that, ADR 0010)."""
        old = self.nodes[i]
        replica = Replica(self._config(i), list(old.records), intact=intact)
        self.nodes[i] = Node(replica, records=old.records)
        self.drain(i)

    def settle(self, rounds: int = 200, pred: Callable[[InFlight], bool] = lambda m: True) -> None:
        """Alternate deliveries and ticks on every live node until nothing is in flight."""
        for _ in range(rounds):
            self.deliver(pred)
            self.tick_all(1)
        self.deliver(pred)

    def logs(self) -> dict[int, list[object]]:
        return {
            i: [None if b is None else b.id for b in node.log]
            for i, node in self.nodes.items()
            if node.up
        }
