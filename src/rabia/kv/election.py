"""Leader election on the KV store's leases: ``campaign`` / ``observe`` / ``resign``.

A candidate holds a lease (``LEASE.GRANT``) kept alive every ttl/3; ``ELECT.CAMPAIGN``
makes it the holder when nobody else is. The cluster ends a lease by log time when its
keepalives stop, so a crashed holder is replaced after at most one TTL. The client side
follows ADR 0008: leadership is trusted only until ``ttl * (1 - margin)`` after the last
successful keepalive was *sent*.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from rabia.kv.client import ConnectionLost, KVClient, ReplyError

log = logging.getLogger("rabia.kv.election")

ELECTION_PREFIX = b"__election__:"


@dataclass(frozen=True)
class Leader:
    """Who holds an election: the candidate's value, its lease, and the term (the
    revision at which it won; larger for every later holder: a fencing token)."""

    candidate: bytes
    lease: int
    term: int


class Leadership:
    """An election won by this process. Act as leader only while ``is_valid()``."""

    def __init__(
        self,
        election: Election,
        candidate: bytes,
        lease: int,
        term: int,
        valid_until: float,
    ) -> None:
        self.election = election
        self.candidate = candidate
        self.lease = lease
        self.term = term
        self.valid_until = valid_until
        """Loop time after which this process must no longer act as leader."""
        self.lost = asyncio.Event()
        """Set once leadership is known or presumed lost (lease gone, resigned, expired)."""

    def is_valid(self) -> bool:
        """Whether this process may still act as leader right now."""
        return not self.lost.is_set() and asyncio.get_running_loop().time() < self.valid_until

    async def resign(self) -> None:
        """Give up the election (and the lease) so another candidate wins at once."""
        self.lost.set()
        await self.election._release(self)


class Election:
    """One named election on a cluster, through ``client``.

    ``ttl`` (seconds) bounds how long a crashed holder keeps the election; ``margin`` is
    the fraction of it a holder gives up early to cover clock drift (ADR 0008).
    """

    def __init__(
        self, client: KVClient, name: bytes, *, ttl: float = 3.0, margin: float = 0.2
    ) -> None:
        if ttl <= 0 or not 0 <= margin < 1:
            raise ValueError("ttl must be positive and margin in [0, 1)")
        self.client = client
        self.name = name
        self.key = ELECTION_PREFIX + name
        self.ttl = ttl
        self.margin = margin
        self._keepalive: asyncio.Task[None] | None = None

    async def leader(self) -> Leader | None:
        """The current holder (a linearizable read through the log), or None."""
        reply = await self.client.execute(b"ELECT.LEADER", self.name, idempotent=True)
        return None if reply is None else Leader(reply[0], int(reply[1]), int(reply[2]))

    async def campaign(self, candidate: bytes) -> Leadership:
        """Wait until this candidate holds the election; returns the leadership, whose
        lease is then kept alive in the background until it is lost or resigned."""
        loop = asyncio.get_running_loop()
        ttl_ms = max(1, int(self.ttl * 1000))
        sent = loop.time()
        lease = int(await self.client.execute(b"LEASE.GRANT", ttl_ms))
        leadership = Leadership(self, candidate, lease, 0, sent + self._trusted())
        self._keepalive = asyncio.create_task(self._keep_alive(leadership))
        try:
            while True:
                reply = await self.client.execute(
                    b"ELECT.CAMPAIGN", self.name, candidate, lease, idempotent=True
                )
                if int(reply[0]) == 1:
                    leadership.term = int(reply[1])
                    return leadership
                if leadership.lost.is_set():
                    raise ConnectionLost("the campaign's lease ended")
                # Retrying advances log time, which is what ends a dead holder's lease.
                await asyncio.sleep(self.ttl / 4)
        except BaseException:
            await self._release(leadership)
            raise

    def _trusted(self) -> float:
        return self.ttl * (1 - self.margin)

    async def _keep_alive(self, leadership: Leadership) -> None:
        loop = asyncio.get_running_loop()
        while not leadership.lost.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(leadership.lost.wait(), self.ttl / 3)
            if leadership.lost.is_set():
                return
            sent = loop.time()
            try:
                await self.client.execute(b"LEASE.KEEPALIVE", leadership.lease, idempotent=True)
            except ReplyError as exc:  # NOLEASE: expired or revoked
                log.warning("election %r: lease %d lost: %s", self.name, leadership.lease, exc)
                leadership.lost.set()
                return
            except ConnectionLost as exc:
                log.info("election %r: keepalive failed (%s); retrying", self.name, exc)
            else:
                leadership.valid_until = sent + self._trusted()
            if loop.time() >= leadership.valid_until:
                leadership.lost.set()

    async def _release(self, leadership: Leadership) -> None:
        leadership.lost.set()
        task, self._keepalive = self._keepalive, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(ConnectionLost, ReplyError):
            await self.client.execute(b"LEASE.REVOKE", leadership.lease, idempotent=True)

    async def observe(self) -> AsyncIterator[Leader | None]:
        """The holder now, then each change of holder (None while nobody holds it), in
        commit order, across node failures."""
        started = asyncio.Event()
        events = self.client.watch(self.key, on_start=lambda _revision: started.set())
        first = asyncio.ensure_future(anext(events))
        try:
            registered = asyncio.ensure_future(started.wait())
            await asyncio.wait((first, registered), return_when=asyncio.FIRST_COMPLETED)
            registered.cancel()
            if first.done():
                first.result()  # the watch failed before it started: raise why
            # The watch was registered before this read was invoked, so the read is
            # ordered after the watch's start and no later change is missed.
            current = await self.leader()
            yield current
            while True:
                event = await first
                first = asyncio.ensure_future(anext(events))
                if event.key != self.key:
                    continue
                latest = await self.leader()
                if latest != current:
                    current = latest
                    yield current
        finally:
            first.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await first
            await events.aclose()  # type: ignore[attr-defined]
