"""Drive protocol objects (the Redis port, the peer port) with bytes, without sockets.

``RespHarness`` runs a real ``RespProtocol`` (and its ``Connection``) of a real
``RespServer`` over a stand-in node whose ``submit`` applies the command to a
``KVMachine`` at once, so a fuzzer or a property test can feed any chunking of any bytes
and look at every byte written back.
Shared by ``tests/fuzz`` and the atheris targets in ``fuzz/``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import hiredis

from rabia.core.messages import Message
from rabia.errors import RabiaError, Rejected
from rabia.kv.machine import KVMachine
from rabia.kv.server import RespProtocol, RespServer
from rabia.runtime.topology import TopologyFeed
from rabia.transport.links import InboundLink, OutboundLink
from tests.transport.fakes import RecordingOwner

MAX_COMMAND_BYTES = 64 * 1024
"""The stand-in node's ``max_command_bytes`` (small, so limits are reachable)."""


class FakeTransport(asyncio.Transport):
    """Collects writes; records close/abort (a closed transport ignores later writes)."""

    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.closed:
            self.out += data

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = self.aborted = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


class _Config:
    max_command_bytes = MAX_COMMAND_BYTES
    node_id = 0


class FakeNode:
    """What ``RespServer`` uses of a ``Node`` (``ServedNode``): the machine, the topology
    feed, ``config``, ``stats()``, ``submit()`` (applied at once, in order) and
    ``read_callback()``."""

    running = False

    def __init__(self) -> None:
        self.machine = KVMachine(max_value_size=MAX_COMMAND_BYTES)
        self.topology = TopologyFeed(0)
        self.config = _Config()
        self.session = 1
        self.now = 1_000_000_000_000
        self.outstanding = 0
        """Answers scheduled and not delivered yet."""

    def stats(self) -> dict[str, int | float | str | None]:
        return {"node_id": 0, "applied_slot": self.machine.revision}

    def members(self) -> tuple[int, ...]:
        return (0,)

    async def submit(self, command: bytes, *, timeout: float | None = None) -> bytes:
        if len(command) > MAX_COMMAND_BYTES:
            raise Rejected(f"command of {len(command)} bytes exceeds max_command_bytes")
        self.now += 1000
        return self.machine.apply_at(command, self.now)

    def submit_callback(
        self,
        command: bytes,
        deliver: Callable[[bytes | RabiaError], None],
        *,
        timeout: float | None = None,
    ) -> None:
        """Applied at once, delivered on the next loop iteration (as a real node does)."""
        if len(command) > MAX_COMMAND_BYTES:
            raise Rejected(f"command of {len(command)} bytes exceeds max_command_bytes")
        self.now += 1000
        reply = self.machine.apply_at(command, self.now)
        self._later(lambda: deliver(reply))

    def read_callback(
        self,
        query: Callable[[], bytes],
        on_outcome: Callable[[bytes | RabiaError], None],
        *,
        timeout: float | None = None,
    ) -> None:
        """A barrier read: answered from the state on the next loop iteration."""
        self._later(lambda: on_outcome(query()))

    def _later(self, answer: Callable[[], None]) -> None:
        """Run ``answer`` on the next loop iteration; ``outstanding`` counts those due."""
        self.outstanding += 1

        def run() -> None:
            self.outstanding -= 1
            answer()

        asyncio.get_running_loop().call_soon(run)


class RespHarness:
    """One Redis connection to a stand-in node, on its own event loop."""

    def __init__(self, password: bytes | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.node = FakeNode()
        self.server = RespServer(self.node, "127.0.0.1", 0, password=password)
        self.transport = FakeTransport()
        protocol = self.server._protocol()
        assert isinstance(protocol, RespProtocol)
        self.protocol = protocol
        self.connection = protocol.connection
        protocol.connection_made(self.transport)

    def feed(self, chunks: Iterable[bytes]) -> bytes:
        """Deliver ``chunks`` (one ``data_received`` each, from inside the loop, stopping
        once the connection is closed), let every reply be written; all bytes written."""
        self.loop.run_until_complete(self._deliver(list(chunks)))
        return bytes(self.transport.out)

    async def _deliver(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            if self.transport.closed:
                break
            self.protocol.data_received(chunk)
        await self._settle()

    async def _settle(self) -> None:
        current = asyncio.current_task()
        for _ in range(10_000):
            await asyncio.sleep(0)
            if not asyncio.all_tasks() - {current} and not self.node.outstanding:
                break
        await asyncio.sleep(0)

    def close(self) -> None:
        self.loop.run_until_complete(self._lose())
        self.loop.close()

    async def _lose(self) -> None:
        """The connection is lost inside the loop, as asyncio reports it (a blocked
        command's client then submits its UNBLOCK)."""
        self.protocol.connection_lost(None)
        await self._settle()

    def __enter__(self) -> RespHarness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_END = b"__end_of_output__"


def parse_replies(data: bytes) -> list[Any]:
    """Every RESP reply in ``data``; AssertionError unless ``data`` is exactly a
    sequence of complete, well-formed replies (RESP2 or RESP3).

    A sentinel simple string is parsed after ``data``: were ``data`` cut short, the
    sentinel would be swallowed by the unfinished reply instead of standing alone."""
    reader = hiredis.Reader()
    reader.feed(data + b"+" + _END + b"\r\n")
    replies: list[Any] = []
    while True:
        try:
            reply = reader.gets()
        except hiredis.ProtocolError as exc:
            raise AssertionError(f"malformed RESP output ({exc}): {data[:300]!r}") from None
        if reply is False:
            break
        replies.append(reply)
    assert replies and replies[-1] == _END and not reader.has_data(), (
        f"incomplete RESP output: {data[-300:]!r}"
    )
    return replies[:-1]


def resp_request(args: Iterable[bytes]) -> bytes:
    """The RESP (multibulk) encoding of one command."""
    items = list(args)
    return b"*%d\r\n" % len(items) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in items)


def split(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length)."""
    if not data:
        return []
    points = sorted({c % len(data) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


class PeerHarness:
    """The peer port's links (``InboundLink``, ``OutboundLink``) of node 0 of members
    {0, 1, 2}, owned by a recording owner on a loop that is never run (no timer fires)."""

    def __init__(self, secret: bytes | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.owner = RecordingOwner(self.loop, node_id=0, members={1, 2}, secret=secret)
        self.delivered: list[Message] = self.owner.delivered

    def inbound(self) -> tuple[InboundLink, FakeTransport]:
        """A new accepted connection."""
        conn, transport = InboundLink(self.owner), FakeTransport()
        conn.connection_made(transport)
        return conn, transport

    def outbound(self, peer_id: int = 1) -> tuple[OutboundLink, FakeTransport]:
        """A new dialed connection to ``peer_id`` (its hello already written)."""
        conn, transport = OutboundLink(self.owner, peer_id), FakeTransport()
        conn.connection_made(transport)
        return conn, transport

    def close(self) -> None:
        self.owner.close_all()
        self.loop.close()

    def __enter__(self) -> PeerHarness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
