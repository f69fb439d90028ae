"""An asyncio client for the KV store's Redis port with rabia's extensions: watches that
resume without gaps across nodes, leases, and leader election helpers.

Plain Redis commands work through any Redis client; this one adds what Redis clients
do not know (``RABIA.WATCH``, ``LEASE.*``, ``ELECT.*``) and fails over between nodes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import hiredis

from rabia.runtime.addresses import parse_address

log = logging.getLogger("rabia.kv.client")

Reply = Any
"""A decoded reply: bytes, int, None, a list of replies (errors are raised)."""


class ReplyError(Exception):
    """The server answered with an error (``-ERR ...``); nothing was changed by it."""


class ConnectionLost(ConnectionError):
    """The connection broke while a command was in flight: it may or may not have
    taken effect (retry only what is idempotent)."""


class WatchCompacted(Exception):
    """No reachable node still holds the history from the requested revision."""


@dataclass(frozen=True)
class WatchEvent:
    """One change: ``event`` (Redis name: set, del, expired, ...) of ``key`` at
    ``revision`` (the position of its command in the replicated log)."""

    revision: int
    event: bytes
    key: bytes


class _Connection:
    """One RESP2 connection: send a command, read one reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._parser = hiredis.Reader(replyError=ReplyError)

    @classmethod
    async def open(
        cls, address: tuple[str, int], password: bytes | None, timeout: float
    ) -> _Connection:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*address), timeout)
        conn = cls(reader, writer)
        if password is not None:
            try:
                await asyncio.wait_for(conn.call([b"AUTH", password]), timeout)
            except BaseException:
                conn.close()
                raise
        return conn

    def send(self, args: Sequence[bytes | str | int]) -> None:
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        out = [b"*%d\r\n" % len(parts)]
        for part in parts:
            out.append(b"$%d\r\n%s\r\n" % (len(part), part))
        self._writer.write(b"".join(out))

    async def read(self) -> Reply:
        while True:
            reply = self._parser.gets()
            if reply is not False:
                if isinstance(reply, ReplyError):
                    raise reply
                return reply
            data = await self._reader.read(65536)
            if not data:
                raise ConnectionLost("connection closed by the server")
            self._parser.feed(data)

    async def call(self, args: Sequence[bytes | str | int]) -> Reply:
        self.send(args)
        return await self.read()

    def close(self) -> None:
        self._writer.close()


class KVClient:
    """Talks to the Redis ports of a cluster's nodes, moving to the next on failure.

    ``execute`` sends one command and returns its reply. A command whose connection
    breaks raises ``ConnectionLost`` unless ``idempotent=True``, in which case it is
    re-sent to the next node (up to one round over every node).
    """

    def __init__(
        self,
        addresses: Sequence[str],
        *,
        password: bytes | None = None,
        timeout: float = 5.0,
        retry_delay: float = 0.1,
    ) -> None:
        if not addresses:
            raise ValueError("need at least one node address")
        self._addresses = [parse_address(a) for a in addresses]
        self._password = password
        self._timeout = timeout
        self._retry_delay = retry_delay
        self._target = 0
        self._conn: _Connection | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> KVClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection (watches close with their iterators)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _rotate(self) -> tuple[str, int]:
        address = self._addresses[self._target % len(self._addresses)]
        self._target += 1
        return address

    async def execute(self, *args: bytes | str | int, idempotent: bool = False) -> Reply:
        """Send one command; its reply, or ``ReplyError`` for an error reply."""
        attempts = len(self._addresses) if idempotent else 1
        async with self._lock:
            for attempt in range(attempts):
                try:
                    if self._conn is None:
                        address = self._addresses[self._target % len(self._addresses)]
                        self._conn = await _Connection.open(address, self._password, self._timeout)
                    return await asyncio.wait_for(self._conn.call(args), self._timeout)
                except ReplyError:
                    raise
                except (OSError, TimeoutError, ConnectionLost) as exc:
                    if self._conn is not None:
                        self._conn.close()
                        self._conn = None
                    self._target += 1
                    if attempt + 1 == attempts:
                        raise ConnectionLost(f"{args[0]!r}: {exc!r}") from exc
                    await asyncio.sleep(self._retry_delay)
        raise AssertionError("unreachable")

    async def watch(
        self,
        prefix: bytes,
        start_revision: int | None = None,
        *,
        on_start: Callable[[int], None] | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Every change of keys starting with ``prefix``, in commit order, from
        ``start_revision`` (default: from now on). Survives node failures: it reconnects
        to the next node and resumes after the last revision it delivered, so no event is
        missed or repeated. ``WatchCompacted`` when no node holds that history any more.
        ``on_start(revision)`` is called once the first node has registered the watch:
        every change after that moment will be delivered.
        """
        next_revision = start_revision
        compacted = 0
        conn: _Connection | None = None
        try:
            while True:
                address = self._rotate()
                try:
                    conn = await _Connection.open(address, self._password, self._timeout)
                    command: list[bytes | str | int] = [b"RABIA.WATCH", prefix]
                    if next_revision is not None:
                        command.append(next_revision)
                    first = await asyncio.wait_for(conn.call(command), self._timeout)
                    if next_revision is None:
                        next_revision = int(first[2])
                    if on_start is not None:
                        on_start(next_revision)
                        on_start = None
                    compacted = 0
                    while True:
                        message = await conn.read()
                        kind = message[0]
                        if kind == b"watch" and len(message) == 4:
                            revision = int(message[2])
                            next_revision = revision + 1
                            flat = message[3]
                            for i in range(0, len(flat), 2):
                                yield WatchEvent(revision, flat[i], flat[i + 1])
                        elif kind == b"watch-compacted":
                            raise ConnectionLost(f"node {address} skipped revisions")
                except ReplyError as exc:
                    if not str(exc).startswith("COMPACTED"):
                        raise
                    compacted += 1
                    if compacted >= len(self._addresses):
                        raise WatchCompacted(str(exc)) from None
                except (OSError, TimeoutError, ConnectionLost) as exc:
                    log.info(
                        "watch of %r at %s:%d broke (%r); resuming elsewhere", prefix, *address, exc
                    )
                    await asyncio.sleep(self._retry_delay)
                finally:
                    if conn is not None:
                        conn.close()
                        conn = None
        finally:
            if conn is not None:
                conn.close()
