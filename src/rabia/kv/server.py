"""The Redis-protocol (RESP2 and RESP3) port of a node whose state machine is ``KVMachine``.

``RespServer`` listens and is the ``Backend`` of its connections: log entries go to the
node (``Node.submit_callback``), INFO reads the node's stats, pub/sub and watches read the
watch hub the machine publishes to. Each accepted socket gets a ``RespProtocol`` that only
moves bytes between the socket and its sans-IO ``Connection`` (``rabia.kv.connection``,
where every command is handled), flushes replies that complete later once per loop
iteration, and drops subscribers that stop reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, cast

from rabia.api import StateMachine
from rabia.errors import RabiaError
from rabia.kv.blocked_call import BlockedCall, Stage
from rabia.kv.blocking import ACK_NEEDED
from rabia.kv.connection import Connection, Submit
from rabia.kv.entries import encode_command
from rabia.kv.hub import WatchHub
from rabia.kv.machine import KVMachine
from rabia.kv.reads import DEFAULT_READS, READ_MODES
from rabia.kv.request import MAX_INLINE
from rabia.runtime.listener import Listener
from rabia.runtime.pending import OnOutcome, Outcome
from rabia.runtime.topology import TopologyEvent, TopologyFeed

log = logging.getLogger("rabia.resp")

_client_ids = itertools.count(1)

MAX_SUBSCRIBER_BUFFER = 32 * 1024 * 1024
"""A subscribed connection whose unsent output exceeds this is dropped (slow consumer)."""


class NodeSettings(Protocol):
    """What a ``RespServer`` reads of its node's configuration (a ``NodeConfig``)."""

    @property
    def node_id(self) -> int: ...

    @property
    def max_command_bytes(self) -> int: ...


class ServedNode(Protocol):
    """What a ``RespServer`` uses of its node: a ``rabia.runtime.Node``, or a stand-in in
    tests (a protocol, which the compiled build does not check at run time)."""

    @property
    def machine(self) -> StateMachine: ...

    @property
    def config(self) -> NodeSettings: ...

    @property
    def session(self) -> int: ...

    @property
    def running(self) -> bool: ...

    @property
    def topology(self) -> TopologyFeed: ...

    def submit_callback(
        self, command: bytes, on_outcome: OnOutcome, *, timeout: float | None = None
    ) -> None: ...

    def read_callback(
        self, query: Callable[[], bytes], on_outcome: OnOutcome, *, timeout: float | None = None
    ) -> None: ...

    def stats(self) -> Mapping[str, object]: ...

    def members(self) -> Sequence[int]: ...


class RespServer(Listener):
    """Listens for Redis clients on behalf of one node whose machine is ``KVMachine``.

    ``unsafe`` names deliberately broken builds (``rabia.kv.unsafe``), for tests only;
    ``reads``: ``barrier`` (the default: read-only commands through the read barrier,
    ADR 0017) or ``log`` (every command through the log); ``tls``: speak TLS only.
    """

    def __init__(
        self,
        node: ServedNode,
        host: str,
        port: int,
        *,
        password: bytes | None = None,
        watch_history: int = 100_000,
        unsafe: frozenset[str] = frozenset(),
        reads: str = DEFAULT_READS,
        tls: ssl.SSLContext | None = None,
    ):
        super().__init__(host, port, tls=tls)
        self.node = node
        self.unsafe = unsafe
        if reads not in READ_MODES:
            raise ValueError(f"reads must be one of {READ_MODES}, not {reads!r}")
        self.barrier_reads = reads == "barrier"
        machine = node.machine
        if not isinstance(machine, KVMachine):
            raise TypeError("the Redis protocol needs the KV machine (rabia.kv:KVMachine)")
        self._machine = machine
        if password is not None:
            machine.default_password = password  # while the ACL is pristine (ADR: kv.md)
        # A request over 3x max_command_bytes could never be applied (its log entry is
        # at least a third of its RESP size): refused before it is buffered.
        self.max_request = 3 * node.config.max_command_bytes + MAX_INLINE
        self._hub = WatchHub(watch_history)
        self._hub.reset(machine.revision)  # whatever was applied before has no history here
        machine.event_sink = self._hub
        machine.served_sink = self
        self.submit: Submit = node.submit_callback
        """Replicates a log entry through the node."""
        self._calls: dict[bytes, BlockedCall] = {}
        """Blocked calls of this node's clients, by waiter id."""
        self._wid_prefix = b"%d.%d." % (node.config.node_id, node.session)
        self._wids = itertools.count()
        self._serving = False
        self._unsubscribe_topology = node.topology.subscribe(self._topology)
        self._started = time.monotonic()

    # -- Backend of the connections ------------------------------------------------------

    @property
    def machine(self) -> KVMachine:
        """The node's machine."""
        return self._machine

    @property
    def hub(self) -> WatchHub:
        """Change notifications in commit order, for SUBSCRIBE and RABIA.WATCH."""
        return self._hub

    def read(self, query: Callable[[], bytes], on_outcome: OnOutcome) -> None:
        """Run ``query`` on the state once a read barrier released it (ADR 0017)."""
        self.node.read_callback(query, on_outcome)

    def track(self, wid: bytes, call: BlockedCall | None) -> None:
        """Route the machine's announcement that ``wid`` was served to ``call``."""
        if call is None:
            self._calls.pop(wid, None)
        else:
            self._calls[wid] = call

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` after ``seconds`` on the event loop."""
        return asyncio.get_running_loop().call_later(seconds, callback).cancel

    def new_waiter_id(self) -> bytes:
        """``node.session.counter``: unique in the cluster (the session is the node's
        random client id of this run)."""
        return b"%s%d" % (self._wid_prefix, next(self._wids))

    # -- the machine's announcements ------------------------------------------------------

    def served(self, wid: bytes, marker: bytes) -> None:
        """A waiter was served while this node applied a write: its call continues; a
        served pop nobody here waits for any more (its client left, or an earlier run of
        this node made it) goes back."""
        call = self._calls.get(wid)
        if call is not None:
            call.served(marker)
        elif marker.startswith(ACK_NEEDED) and wid.startswith(self._wid_prefix):
            with contextlib.suppress(RabiaError):
                self.submit(encode_command([b"RABIA.BRETURN", wid]), _ignore)

    def _reset_earlier_sessions(self) -> None:
        """Tell the cluster this node runs a new session: waiters of its earlier runs go,
        their served pops are put back. Retried until decided."""
        node, session = self.node.config.node_id, self.node.session

        def done(outcome: Outcome) -> None:
            if not isinstance(outcome, bytes) and self._serving:
                asyncio.get_running_loop().call_later(0.5, self._reset_earlier_sessions)

        entry = encode_command([b"RABIA.BRESET", b"%d" % node, b"%d" % session])
        try:
            self.submit(entry, done)
        except RabiaError as exc:
            done(exc)

    def stats(self) -> Mapping[str, object]:
        """The node's statistics."""
        return self.node.stats()

    async def start(self) -> None:
        """Serve, and reset this node's earlier sessions' blocked calls."""
        await super().start()
        self._serving = True
        self._reset_earlier_sessions()

    @property
    def port(self) -> int:
        """The port clients connect to (the bound one once listening)."""
        return self.address[1] if self._server is not None else self._port

    @property
    def started(self) -> float:
        """When this server was made (``time.monotonic``, the connections' clock)."""
        return self._started

    def clients(self) -> Sequence[Connection]:
        """The open client connections, oldest first."""
        found = (p.connection for p in self.connections if isinstance(p, RespProtocol))
        return sorted(found, key=lambda c: c.client_id)

    def blocked_clients(self) -> int:
        """This node's clients waiting in a blocking command (their waiter registered)."""
        return sum(1 for call in self._calls.values() if call.stage is Stage.WAITING)

    def replicas(self) -> int:
        """The other members of the cluster."""
        return len(self.node.members()) - 1 if self.node.running else 0

    # -- listening -----------------------------------------------------------------------

    def _topology(self, event: TopologyEvent) -> None:
        self._hub.topology(event.text().encode())

    async def close(self) -> None:
        """Stop serving; the machine stops publishing to this server's hub."""
        self._unsubscribe_topology()
        self._unsubscribe_topology = _nothing
        self._serving = False
        if self._machine.event_sink is self._hub:
            self._machine.event_sink = None
        if self._machine.served_sink is self:
            self._machine.served_sink = None
        await super().close()

    def _protocol(self) -> asyncio.Protocol:
        return RespProtocol(self)

    def connection(self, on_output: Callable[[], None]) -> Connection:
        """A new client connection of this server."""
        return Connection(
            self,
            on_output,
            client_id=next(_client_ids),
            max_request=self.max_request,
            unsafe=self.unsafe,
            barrier_reads=self.barrier_reads,
        )


def _nothing() -> None:
    pass


def _ignore(outcome: Outcome) -> None:
    pass


def _address(name: object) -> bytes:
    """``ip:port`` of a socket name (as Redis's CLIENT LIST writes it)."""
    if isinstance(name, tuple) and len(name) >= 2:
        return f"{name[0]}:{name[1]}".encode()
    return b""


class RespProtocol(asyncio.Protocol):
    """Moves one client's bytes between its socket and its ``Connection``."""

    def __init__(self, server: RespServer) -> None:
        self._server = server
        self.connection = server.connection(self._output_ready)
        self._transport: asyncio.Transport | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        """Kept once known: ``get_running_loop`` costs a getpid() call."""
        self._flush_scheduled = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        self._transport = cast(asyncio.Transport, transport)
        self._server.connections.add(self)
        connection = self.connection
        connection.addr = _address(transport.get_extra_info("peername"))
        connection.laddr = _address(transport.get_extra_info("sockname"))
        sock = transport.get_extra_info("socket")
        connection.fd = sock.fileno() if sock is not None else -1

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None
        self.connection.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        self.connection.receive(data)
        self._flush()

    def _output_ready(self) -> None:
        # Many replies complete in one apply: write them with one flush.
        if not self._flush_scheduled and self._transport is not None:
            loop = self._loop
            if loop is None:
                loop = self._loop = asyncio.get_running_loop()
            self._flush_scheduled = True
            loop.call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self._flush()

    def _flush(self) -> None:
        transport = self._transport
        if transport is None:
            return
        connection = self.connection
        data = connection.data_to_send()
        if data:
            transport.write(data)
            if connection.subscribed and transport.get_write_buffer_size() > MAX_SUBSCRIBER_BUFFER:
                log.warning(
                    "dropping client %d: it does not read its notifications", connection.client_id
                )
                transport.abort()
                return
        if connection.finished:
            transport.close()
