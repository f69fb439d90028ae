"""The batteries served by 3 `rabia node` processes while one node is killed (SIGKILL)
and restarted, then another is cut off by proxies and reconnected: queue elements are
taken exactly once, a lock never has two owners at once, a counter ends exact."""

from __future__ import annotations

import asyncio
import collections
import itertools
from pathlib import Path
from typing import Any

from rabia.client import Client
from rabia.objects import remote
from rabia.objects.batteries import (
    Grant,
    Lease,
    ReplCounter,
    ReplLockManager,
    ReplQueue,
    blocking_get,
)
from tests.e2e.batteries_faults import (
    SECRET,
    MakeCluster,
    client_for,
    every_worker,
    make,
    under_faults,
)


def test_counter_is_exact_across_a_killed_and_restarted_node(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    cluster = make(make_cluster, tmp_path, "ReplCounter")
    acknowledged: list[int] = []

    async def worker(k: int, stop: asyncio.Event) -> None:
        async with client_for(cluster, k) as client:
            counter = remote(ReplCounter, client)
            for step in itertools.count(1):
                if stop.is_set():
                    return
                await counter.add(step % 7 + k)  # raises on failure: none may be unknown
                acknowledged.append(step % 7 + k)

    async def check() -> None:
        for address in cluster.addresses():
            async with Client([address], secret=SECRET) as client:
                assert await remote(ReplCounter, client).get() == sum(acknowledged)

    asyncio.run(under_faults(cluster, every_worker(worker), check))
    assert len(acknowledged) > 30, "too little load to mean anything"


def test_queue_delivers_every_element_exactly_once(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    cluster = make(make_cluster, tmp_path, "ReplQueue")
    put: list[bytes] = []
    got: list[bytes] = []

    async def producer(k: int, stop: asyncio.Event) -> None:
        async with client_for(cluster, k) as client:
            queue = remote(ReplQueue, client)
            for i in itertools.count():
                if stop.is_set():
                    return
                item = b"p%d-%d" % (k, i)
                await queue.put(item)
                put.append(item)

    async def consumer(k: int, producing: asyncio.Future[Any]) -> None:
        async with client_for(cluster, k + 1) as client:
            queue = remote(ReplQueue, client)
            while True:
                item = await blocking_get(queue, 1.0)
                if item is not None:
                    got.append(item)
                elif producing.done():
                    return  # the producers stopped and the queue stayed empty for 1 s

    async def load(stop: asyncio.Event) -> None:
        producing = asyncio.ensure_future(asyncio.gather(*(producer(k, stop) for k in range(2))))
        consumers = [consumer(k, producing) for k in range(2)]
        await asyncio.gather(producing, *consumers)

    async def check() -> None:
        async with Client(cluster.addresses(), secret=SECRET) as client:
            assert await remote(ReplQueue, client).len() == 0

    asyncio.run(under_faults(cluster, load, check))
    twice = [item for item, n in collections.Counter(got).items() if n > 1]
    assert twice == [], "delivered twice"
    assert set(put) - set(got) == set(), "lost"
    assert set(got) - set(put) == set(), "delivered but never acknowledged as put"
    assert len(put) > 20, "too little load to mean anything"


def test_lock_never_has_two_owners_at_once(make_cluster: MakeCluster, tmp_path: Path) -> None:
    cluster = make(make_cluster, tmp_path, "ReplLockManager")
    grants: list[tuple[str, Grant]] = []
    ends: dict[int, int] = {}
    """Fencing token -> the log time its lease was released at."""

    async def worker(k: int, stop: asyncio.Event) -> None:
        owner = f"owner{k}"
        async with client_for(cluster, k) as client:
            locks = remote(ReplLockManager, client)
            while not stop.is_set():
                grant = await locks.acquire("L", owner, 200)
                if not grant.granted:
                    await asyncio.sleep(0.01)  # pacing of the contenders
                    continue
                grants.append((owner, grant))
                renewed = await locks.renew("L", owner, 200)
                if renewed.granted:
                    grants.append((owner, renewed))
                ended: Lease | None = await locks.release("L", owner)
                if ended is not None:
                    assert ended.token == grant.token
                    ends[ended.token] = ended.expires_at

    async def check() -> None:
        pass

    asyncio.run(under_faults(cluster, every_worker(worker), check))
    check_lock_history(grants, ends)
    assert len({g.token for _, g in grants}) > 10, "too few grants to mean anything"


def check_lock_history(grants: list[tuple[str, Grant]], ends: dict[int, int]) -> None:
    """One owner per token; tokens grow with the log time; a new token is granted only
    after the previous lease ended (released, or its last expiry reached)."""
    owner_of: dict[int, str] = {}
    first_at: dict[int, int] = {}
    expires: dict[int, int] = {}
    for owner, grant in grants:
        assert owner_of.setdefault(grant.token, owner) == owner, f"two owners at {grant}"
        first_at[grant.token] = min(first_at.get(grant.token, grant.at), grant.at)
        expires[grant.token] = max(expires.get(grant.token, 0), grant.expires_at)
    tokens = sorted(first_at)
    assert tokens == sorted(tokens, key=lambda t: first_at[t]), "tokens not in grant order"
    for previous, token in itertools.pairwise(tokens):
        end = ends.get(previous, expires[previous])
        assert first_at[token] >= end, f"token {token} granted while {previous} was held"


def test_the_lock_history_check_catches_overlaps_and_shared_tokens() -> None:
    def grant(token: int, at: int, expires_at: int) -> Grant:
        return Grant(True, "x", expires_at, token, at)

    check_lock_history([("a", grant(1, 0, 100)), ("b", grant(2, 100, 200))], {})
    check_lock_history([("a", grant(1, 0, 100)), ("b", grant(2, 50, 200))], {1: 40})
    for bad, ends in [
        ([("a", grant(1, 0, 100)), ("b", grant(2, 99, 200))], {}),  # still held
        ([("a", grant(1, 0, 100)), ("b", grant(2, 60, 200))], {1: 70}),  # released later
        ([("a", grant(1, 0, 100)), ("b", grant(1, 200, 300))], {}),  # one token, two owners
        ([("a", grant(2, 0, 100)), ("b", grant(1, 200, 300))], {}),  # tokens out of order
    ]:
        try:
            check_lock_history(bad, ends)
        except AssertionError:
            continue
        raise AssertionError(f"accepted {bad}")
