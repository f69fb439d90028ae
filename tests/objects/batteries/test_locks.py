from __future__ import annotations

import asyncio

import pytest

from rabia.objects import BadCall
from rabia.objects.batteries import Grant, Lease, ReplLockManager
from tests.objects.batteries.direct import direct, restored

MS = 1000


def test_grant_refuse_expire_with_the_log_clock_and_new_tokens() -> None:
    async def main() -> None:
        locks, log = direct(ReplLockManager)
        t0 = log.now
        assert await locks.acquire("L", "a", 100) == Grant(True, "a", t0 + 100 * MS, 1, t0)
        log.now += 50 * MS
        assert await locks.acquire("L", "b", 100) == Grant(False, "a", t0 + 100 * MS, 1, log.now)
        log.now = t0 + 100 * MS  # the lease ends exactly at expires_at
        granted = await locks.acquire("L", "b", 100)
        assert (granted.granted, granted.holder, granted.token) == (True, "b", 2)
        assert await locks.acquire("M", "a", 100) == Grant(
            True, "a", log.now + 100 * MS, 3, log.now
        )

    asyncio.run(main())


def test_reacquire_and_renew_extend_with_the_same_token() -> None:
    async def main() -> None:
        locks, log = direct(ReplLockManager)
        first = await locks.acquire("L", "a", 100)
        log.now += 60 * MS
        again = await locks.acquire("L", "a", 100)
        assert (again.token, again.expires_at) == (first.token, log.now + 100 * MS)
        log.now += 60 * MS
        renewed = await locks.renew("L", "a", 500)
        assert (renewed.granted, renewed.token, renewed.expires_at) == (
            True,
            first.token,
            log.now + 500 * MS,
        )
        refused = await locks.renew("L", "b", 500)
        assert (refused.granted, refused.holder) == (False, "a")
        log.now += 500 * MS
        assert await locks.renew("L", "a", 500) == Grant(False, None, 0, 0, log.now)

    asyncio.run(main())


def test_release_only_by_the_holder_and_then_free() -> None:
    async def main() -> None:
        locks, log = direct(ReplLockManager)
        grant = await locks.acquire("L", "a", 1000)
        assert await locks.release("L", "b") is None
        log.now += 5 * MS
        assert await locks.release("L", "a") == Lease("a", log.now, grant.token)
        assert await locks.release("L", "a") is None
        assert await locks.lease("L") is None
        taken = await locks.acquire("L", "b", 1000)
        assert (taken.granted, taken.token) == (True, grant.token + 1)
        assert await locks.lease("L") == Lease("b", taken.expires_at, taken.token)
        copy = restored(log.machine)
        assert copy.snapshot() == log.machine.snapshot()

    asyncio.run(main())


def test_a_lease_needs_a_positive_ttl() -> None:
    async def main() -> None:
        locks, _ = direct(ReplLockManager)
        with pytest.raises(BadCall, match="ttl_ms"):
            await locks.acquire("L", "a", 0)

    asyncio.run(main())
