"""A fake backend for the sans-IO connection: a real ``KVMachine`` as the log.

``FakeLog`` applies each submitted entry in submission order (as the log would) and
delivers the reply at once, or when the test releases it; ``Client`` is one connection
to it, fed whole commands or raw bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

from rabia.errors import RabiaError
from rabia.kv import KVMachine
from rabia.kv.blocked_call import BlockedCall, Stage
from rabia.kv.connection import Connection
from rabia.kv.hub import WatchHub
from rabia.runtime.pending import OnOutcome
from tests.fuzz.harness import resp_request


class FakeLog:
    """A ``Backend`` whose log is one ``KVMachine``: entries apply when submitted; their
    replies are delivered at once, or held until ``release`` when ``deferred``."""

    def __init__(self, *, deferred: bool = False, machine: KVMachine | None = None) -> None:
        self.machine = machine or KVMachine()
        self.hub = WatchHub()
        self.machine.event_sink = self.hub
        self.machine.served_sink = self
        self.calls: dict[bytes, BlockedCall] = {}
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.clock = 0.0
        self._wids = itertools.count()
        self.in_flight: list[tuple[bytes, OnOutcome]] | None = None
        """When a list, submitted entries wait here (not yet decided) until ``decide``."""
        self.deferred = deferred
        self.held: list[tuple[OnOutcome, bytes]] = []
        self.refuse: RabiaError | None = None
        self.now = 1_000_000_000
        self.connections: list[Connection] = []
        self.reads = 0
        """Barrier reads asked for."""
        self.reads_wait = False
        self.waiting_reads: list[tuple[Callable[[], bytes], OnOutcome]] = []

    def submit(self, entry: bytes, deliver: OnOutcome) -> None:
        if self.refuse is not None:
            raise self.refuse
        if self.in_flight is not None:
            self.in_flight.append((entry, deliver))
            return
        self.apply(entry, deliver)

    def read(self, query: Callable[[], bytes], deliver: OnOutcome) -> None:
        """A barrier read: runs now, or once the log's held entries are decided when
        ``reads_wait`` (the barrier's B is a slot in flight)."""
        if self.refuse is not None:
            raise self.refuse
        self.reads += 1
        if self.reads_wait:
            self.waiting_reads.append((query, deliver))
        else:
            deliver(query())

    def finish_reads(self) -> None:
        """Answer the reads held by ``reads_wait``, from the state as it is now."""
        waiting, self.waiting_reads = self.waiting_reads, []
        for query, deliver in waiting:
            deliver(query())

    def apply(self, entry: bytes, deliver: OnOutcome) -> None:
        """Apply one entry now (in log order) and deliver or hold its reply."""
        self.now += 1000
        reply = self.machine.apply_at(entry, self.now)
        if self.deferred:
            self.held.append((deliver, reply))
        else:
            deliver(reply)

    def decide(self) -> None:
        """Apply the entries held in flight, in submission order."""
        held, self.in_flight = self.in_flight or [], None
        for entry, deliver in held:
            self.apply(entry, deliver)

    def release(self, *order: int) -> None:
        """Deliver the held replies with these indexes (all, in order, by default)."""
        for i in order or range(len(self.held)):
            deliver, reply = self.held[i]
            deliver(reply)

    def stats(self) -> Mapping[str, object]:
        return {"node_id": 0, "applied_slot": self.machine.revision}

    # -- what blocked calls need (``Waits``) ---------------------------------------------

    def new_waiter_id(self) -> bytes:
        return b"0.1.%d" % next(self._wids)

    def track(self, wid: bytes, call: BlockedCall | None) -> None:
        if call is None:
            self.calls.pop(wid, None)
        else:
            self.calls[wid] = call

    def served(self, wid: bytes, marker: bytes) -> None:
        call = self.calls.get(wid)
        if call is not None:
            call.served(marker)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
        timer = (self.clock + seconds, callback)
        self.timers.append(timer)
        return lambda: self.timers.remove(timer) if timer in self.timers else None

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass, on the timers' clock and in log time: run the timers
        that come due, in order."""
        self.clock += seconds
        self.now += round(seconds * 1e6)
        due = sorted((t for t in self.timers if t[0] <= self.clock), key=lambda t: t[0])
        for timer in due:
            self.timers.remove(timer)
            timer[1]()

    # what the server commands read (``ServerView``)
    port = 6379
    started = 0.0
    members = 3

    def clients(self) -> Sequence[Connection]:
        """The connections of the ``Client`` objects made on this log, open or not."""
        return [c for c in self.connections if not c.finished]

    def replicas(self) -> int:
        return self.members - 1

    def blocked_clients(self) -> int:
        return sum(1 for call in self.calls.values() if call.stage is Stage.WAITING)


class Client:
    """One connection to ``log``, fed whole commands or raw bytes."""

    def __init__(
        self,
        log: FakeLog | None = None,
        *,
        password: bytes | None = None,
        unsafe: frozenset[str] = frozenset(),
        client_id: int = 7,
        barrier_reads: bool = False,
    ) -> None:
        self.log = log or FakeLog()
        if password is not None:  # as RespServer configures the machine, once
            self.log.machine.default_password = password
        self.notified = 0
        self.clock = 100.0
        self.conn = Connection(
            self.log,
            self._output_ready,
            client_id=client_id,
            max_request=1 << 20,
            unsafe=unsafe,
            clock=lambda: self.clock,
            barrier_reads=barrier_reads,
        )
        self.log.connections.append(self.conn)

    def _output_ready(self) -> None:
        self.notified += 1

    def raw(self, data: bytes) -> bytes:
        self.conn.receive(data)
        return self.conn.data_to_send()

    def __call__(self, *commands: str) -> bytes:
        """Send each command (words split on spaces) as one RESP request; what comes back."""
        return self.raw(b"".join(resp_request(c.encode().split()) for c in commands))
