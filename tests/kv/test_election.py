"""Election helpers against an in-process cluster: takeover, resign, observe."""

from __future__ import annotations

import asyncio

from rabia.kv.client import KVClient
from rabia.kv.election import Election, Leader
from tests.kv.cluster import address, kv_cluster
from tests.support import poll_until


def test_holder_that_stops_keeping_alive_is_replaced_and_observers_agree() -> None:
    async def main() -> None:
        async with kv_cluster() as (_, servers):
            clients = [KVClient([address(s)]) for s in servers]
            a = Election(clients[0], b"jobs", ttl=2.0)
            b = Election(clients[1], b"jobs", ttl=2.0)
            seen: list[list[Leader | None]] = [[], [], []]

            async def observe(i: int) -> None:
                async for leader in Election(clients[i], b"jobs").observe():
                    seen[i].append(leader)

            observers = [asyncio.create_task(observe(i)) for i in range(3)]
            try:
                first = await asyncio.wait_for(a.campaign(b"A"), 10)
                assert first.is_valid()
                second_task = asyncio.create_task(b.campaign(b"B"))
                # A crashes: its keepalives stop, its lease is never revoked.
                assert a._keepalive is not None
                a._keepalive.cancel()
                second = await asyncio.wait_for(second_task, 10)
                assert second.term > first.term
                assert (await a.leader()) == Leader(b"B", second.lease, second.term)
                await second.resign()
                third = await asyncio.wait_for(a.campaign(b"A2"), 10)
                assert third.term > second.term

                async def settled() -> bool:
                    return all(s and s[-1] is not None and s[-1].candidate == b"A2" for s in seen)

                await poll_until(settled, bool, timeout=10, what="observers to see A2")
                # Each observer reports holders in commit order: only real holders, terms
                # increasing (it may skip a holder that came and went between two reads).
                real = {
                    (b"A", first.term),
                    (b"B", second.term),
                    (b"A2", third.term),
                }
                for s in seen:
                    held = [(x.candidate, x.term) for x in s if x is not None]
                    assert set(held) <= real, held
                    assert [t for _, t in held] == sorted({t for _, t in held}), held
                await third.resign()
            finally:
                for task in observers:
                    task.cancel()
                await asyncio.gather(*observers, return_exceptions=True)
                for client in clients:
                    await client.close()

    asyncio.run(main())
