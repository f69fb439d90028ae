"""``ReplLockManager``: named locks with leases and fencing tokens, timed by the log."""

from __future__ import annotations

from typing import Annotated

import msgspec

from rabia.objects.methods import command, query
from rabia.objects.replicated import Replicated

Ttl = Annotated[int, msgspec.Meta(gt=0)]
"""A lease's length in milliseconds (of the log's clock)."""


class Lease(msgspec.Struct, frozen=True):
    """A lock held by ``owner`` until ``expires_at`` (log time, µs), granted with
    fencing ``token``."""

    owner: str
    expires_at: int
    token: int


class Grant(msgspec.Struct, frozen=True):
    """The answer to ``acquire``/``renew``. ``granted``: the caller holds the lock until
    ``expires_at`` with fencing ``token``; otherwise ``holder`` holds it until
    ``expires_at`` with ``token`` (``holder`` None, token 0: nobody holds it).
    ``at``: the log time of the decision (µs)."""

    granted: bool
    holder: str | None
    expires_at: int
    token: int
    at: int


class ReplLockManager(Replicated, rollback=False):
    """Leased locks. Expiry is judged by the log's clock (``log_time``) only, the same
    on every replica; a lease is expired once the log time reaches ``expires_at``.
    Every new grant gets a fencing token greater than every token before it (over all
    names), so a resource that remembers the highest token it saw refuses stale holders;
    a renewal keeps its token. Commands never fail after changing the state (the TTL is
    validated before one runs), so rollback is off: a command costs no copy of every
    lease."""

    leases: dict[str, Lease] = msgspec.field(default_factory=dict)
    last_token: int = 0

    def _live(self, name: str, now: int) -> Lease | None:
        lease = self.leases.get(name)
        if lease is not None and lease.expires_at <= now:
            del self.leases[name]
            return None
        return lease

    def _grant(self, name: str, owner: str, ttl_ms: int, token: int, now: int) -> Grant:
        lease = self.leases[name] = Lease(owner, now + ttl_ms * 1000, token)
        return Grant(True, owner, lease.expires_at, token, now)

    @command
    def acquire(self, name: str, owner: str, ttl_ms: Ttl) -> Grant:
        """Take lock ``name`` for ``owner`` for ``ttl_ms`` if it is free or its lease
        expired (new token); if ``owner`` already holds it, extend it (same token)."""
        now = self.log_time()
        lease = self._live(name, now)
        if lease is not None and lease.owner != owner:
            return _held(lease, now)
        if lease is None:
            self.last_token += 1
            return self._grant(name, owner, ttl_ms, self.last_token, now)
        return self._grant(name, owner, ttl_ms, lease.token, now)

    @command
    def renew(self, name: str, owner: str, ttl_ms: Ttl) -> Grant:
        """Extend ``owner``'s unexpired lease on ``name`` to ``ttl_ms`` from now (same
        token); refused (``granted`` False) if ``owner`` does not hold it."""
        now = self.log_time()
        lease = self._live(name, now)
        if lease is None:
            return Grant(False, None, 0, 0, now)
        if lease.owner != owner:
            return _held(lease, now)
        return self._grant(name, owner, ttl_ms, lease.token, now)

    @command
    def release(self, name: str, owner: str) -> Lease | None:
        """End ``owner``'s unexpired lease on ``name``: the lease as it ended
        (``expires_at`` = the log time of the release), or None if ``owner`` did not
        hold it (nothing changes)."""
        now = self.log_time()
        lease = self._live(name, now)
        if lease is None or lease.owner != owner:
            return None
        del self.leases[name]
        return Lease(owner, now, lease.token)

    @query
    def lease(self, name: str) -> Lease | None:
        """The last lease recorded on ``name``, possibly expired (a query cannot read
        the log's clock: compare ``expires_at`` with a ``Grant.at`` you saw)."""
        return self.leases.get(name)


def _held(lease: Lease, now: int) -> Grant:
    """The refusal while ``lease`` holds the lock."""
    return Grant(False, lease.owner, lease.expires_at, lease.token, now)
