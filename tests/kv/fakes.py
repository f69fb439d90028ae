"""A fake backend for the sans-IO connection: a real ``KVMachine`` as the log.

``FakeLog`` applies each submitted entry in submission order (as the log would) and
delivers the reply at once, or when the test releases it; ``Client`` is one connection
to it, fed whole commands or raw bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rabia.errors import RabiaError
from rabia.kv import KVMachine
from rabia.kv.connection import Connection
from rabia.kv.hub import WatchHub
from rabia.runtime.pending import OnOutcome
from tests.fuzz.harness import resp_request


class FakeLog:
    """A ``Backend`` whose log is one ``KVMachine``: entries apply when submitted; their
    replies are delivered at once, or held until ``release`` when ``deferred``."""

    def __init__(self, *, deferred: bool = False) -> None:
        self.machine = KVMachine()
        self.hub = WatchHub()
        self.machine.event_sink = self.hub
        self.deferred = deferred
        self.held: list[tuple[OnOutcome, bytes]] = []
        self.refuse: RabiaError | None = None
        self.now = 1_000_000_000
        self.connections: list[Connection] = []

    def submit(self, entry: bytes, deliver: OnOutcome) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.now += 1000
        reply = self.machine.apply_at(entry, self.now)
        if self.deferred:
            self.held.append((deliver, reply))
        else:
            deliver(reply)

    def release(self, *order: int) -> None:
        """Deliver the held replies with these indexes (all, in order, by default)."""
        for i in order or range(len(self.held)):
            deliver, reply = self.held[i]
            deliver(reply)

    def stats(self) -> Mapping[str, object]:
        return {"node_id": 0, "applied_slot": self.machine.revision}

    # what the server commands read (``ServerView``)
    port = 6379
    started = 0.0
    members = 3

    def clients(self) -> Sequence[Connection]:
        """The connections of the ``Client`` objects made on this log, open or not."""
        return [c for c in self.connections if not c.finished]

    def replicas(self) -> int:
        return self.members - 1


class Client:
    """One connection to ``log``, fed whole commands or raw bytes."""

    def __init__(
        self,
        log: FakeLog | None = None,
        *,
        password: bytes | None = None,
        unsafe: frozenset[str] = frozenset(),
        client_id: int = 7,
    ) -> None:
        self.log = log or FakeLog()
        self.notified = 0
        self.clock = 100.0
        self.conn = Connection(
            self.log,
            self._output_ready,
            client_id=client_id,
            password=password,
            max_request=1 << 20,
            unsafe=unsafe,
            clock=lambda: self.clock,
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
