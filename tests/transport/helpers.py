"""Shared helpers: bounded event-driven waits, TCP clusters on port 0, a raw handshaker."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar, cast

import pytest

from rabia.codec import HEADER, PROTOCOL_VERSION
from rabia.core.messages import Message, Vote
from rabia.transport import handshake as hs
from rabia.transport.base import PeerEvent
from rabia.transport.tcp import TcpTransport
from tests.support import poll_until

T = TypeVar("T")
HOST = "127.0.0.1"
CLUSTER = "test-cluster"
SECRET = b"s3cret-key"


def run(
    main: Callable[[], Awaitable[T]],
    timeout: float = 10.0,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> T:
    """Run ``main()`` in a fresh loop, bounded, and check it leaves no task behind."""

    async def wrapper() -> T:
        result = await asyncio.wait_for(main(), timeout)
        me = asyncio.current_task()
        leftovers = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        assert not leftovers, leftovers
        return result

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(wrapper())


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """None for the default asyncio loop; uvloop's factory (or skip) for "uvloop"."""
    if name == "asyncio":
        return None
    uvloop = pytest.importorskip("uvloop")
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def vote(sender: int, slot: int = 0) -> Vote:
    return Vote(slot, sender, 1, 0, None)


class Inbox:
    """Records deliveries and peer events; ``until`` waits for a predicate on them."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.events: list[tuple[int, PeerEvent]] = []
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def deliver(self, message: Message) -> None:
        self.messages.append(message)
        self._wake()

    def status(self, peer: int, event: PeerEvent) -> None:
        self.events.append((peer, event))
        self._wake()

    def from_(self, sender: int) -> list[Message]:
        return [m for m in self.messages if m.sender == sender]

    def _wake(self) -> None:
        for waiter in list(self._waiters):
            predicate, future = waiter
            if not future.done() and predicate():
                future.set_result(None)
                self._waiters.remove(waiter)

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        if predicate():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)


async def settle() -> None:
    """Let every callback already scheduled with call_soon run (two loop passes)."""
    for _ in range(2):
        await asyncio.sleep(0)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll a condition on state that has no event to wait on, within ``timeout``."""

    async def probe() -> bool:
        return predicate()

    await poll_until(probe, bool, timeout=timeout, interval=0.005)


@contextmanager
def dead_port() -> Iterator[tuple[str, int]]:
    """An address that refuses connections (bound, not listening) for the block's time."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    try:
        yield (HOST, sock.getsockname()[1])
    finally:
        sock.close()


Node = tuple[TcpTransport, Inbox]


async def start_cluster(
    ids: list[int],
    *,
    absent: dict[int, tuple[str, int]] | None = None,
    options: Callable[[int], dict[str, Any]] | None = None,
    connect: bool = True,
) -> list[Node]:
    """Start TcpTransports for ``ids`` on port 0; ``absent`` members get fixed addresses."""
    absent = absent or {}
    members = {i: (HOST, 0) for i in ids} | absent
    nodes: list[Node] = []
    for i in ids:
        extra = options(i) if options else {}
        extra.setdefault("cluster_id", CLUSTER)
        nodes.append((TcpTransport(i, (HOST, 0), members, **extra), Inbox()))
    for transport, _ in nodes:
        await transport.listen()
    for transport, _ in nodes:
        for other, _ in nodes:
            if other is not transport:
                transport.set_peer_address(other.node_id, other.listen_address)
    for transport, inbox in nodes:
        await transport.start(inbox.deliver, inbox.status)
    if connect:
        for transport, inbox in nodes:
            want = set(ids) - {transport.node_id}
            await inbox.until(lambda t=transport, w=want: w <= t.connected())  # type: ignore[misc]
    return nodes


async def close_all(nodes: list[Node]) -> None:
    for transport, _ in nodes:
        await transport.close()
        assert transport.open_connections == 0
        assert transport.connected() == frozenset()


async def exchange(nodes: list[Node], slot: int) -> None:
    """Every node sends one vote to every other; wait until all arrived."""
    for transport, _ in nodes:
        transport.broadcast(vote(transport.node_id, slot))
    for transport, inbox in nodes:
        senders = {t.node_id for t, _ in nodes} - {transport.node_id}

        def arrived(inbox: Inbox = inbox, senders: set[int] = senders) -> bool:
            got = {m.sender for m in inbox.messages if isinstance(m, Vote) and m.slot == slot}
            return senders <= got

        await inbox.until(arrived)


def tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server, client) contexts with mutual certificate checks, from a trustme CA."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert(HOST)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    ca.configure_trust(server)
    server.verify_mode = ssl.CERT_REQUIRED
    client = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(client)
    cert.configure_cert(client)
    return server, client


class RawPeer:
    """A hand-driven client of a listener, to send it exactly the bytes a test wants."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        host, port = writer.get_extra_info("sockname")[:2]
        self.address = f"{host}:{port}"

    @classmethod
    async def connect(cls, address: tuple[str, int]) -> RawPeer:
        reader, writer = await asyncio.open_connection(*address)
        return cls(reader, writer)

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    async def read_handshake(self) -> hs.HandshakeMessage:
        header = await self.reader.readexactly(HEADER.size)
        (length,) = HEADER.unpack(header)
        return hs.decode_handshake(await self.reader.readexactly(length))

    async def authenticate(
        self, node_id: int, listener_id: int, secret: bytes | None = SECRET
    ) -> None:
        """Complete a valid handshake as ``node_id``."""
        nonce = hs.new_nonce()
        self.write(hs.encode_handshake(hs.Hello(PROTOCOL_VERSION, CLUSTER, node_id, nonce)))
        challenge = await self.read_handshake()
        assert isinstance(challenge, hs.Challenge)
        mac = b""
        if secret is not None:
            mac = hs.compute_mac(
                secret,
                hs.ROLE_DIALER,
                cluster_id=CLUSTER,
                dialer_id=node_id,
                listener_id=listener_id,
                dialer_nonce=nonce,
                listener_nonce=challenge.nonce,
            )
        self.write(hs.encode_handshake(hs.Proof(mac)))
        assert isinstance(await self.read_handshake(), hs.Accept)

    async def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the other side closed the connection."""

        async def drain() -> None:
            try:
                while await self.reader.read(65536):
                    pass
            except ConnectionError:
                pass

        await asyncio.wait_for(drain(), timeout)
        self.close()

    def close(self) -> None:
        self.writer.close()

    async def aclose(self) -> None:
        self.writer.close()
        with suppress(ConnectionError):
            await self.writer.wait_closed()


class StalledListener:
    """A peer's port that completes the listener handshake (no secret) for any dialer, then
    never reads again: a peer stuck so hard that the dialer's buffers fill."""

    def __init__(self, node_id: int) -> None:
        self.node_id = node_id
        self.accepted: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> tuple[str, int]:
        """Listen on a free port; its address."""
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return (host, port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        machine = hs.ListenerHandshake(
            node_id=self.node_id, cluster_id=CLUSTER, peers=range(100), secret=None
        )
        while not machine.done:
            (length,) = HEADER.unpack(await reader.readexactly(HEADER.size))
            reply = machine.receive(hs.decode_handshake(await reader.readexactly(length)))
            writer.write(hs.encode_handshake(reply))
        cast(asyncio.Transport, writer.transport).pause_reading()
        self.accepted.append(writer)

    async def close(self) -> None:
        """Stop listening and drop every accepted connection."""
        assert self._server is not None
        self._server.close()
        for writer in self.accepted:
            writer.transport.abort()
        await self._server.wait_closed()


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "rabia.transport" and r.levelno >= logging.WARNING
    ]
