"""redis-py, idiomatically: its sync API (pipelines, WATCH transactions) and its asyncio
client (concurrent writes, expiry through the log's clock) across the nodes."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import ResponseError, WatchError

from tests.e2e.redis_clients.steps import NODES
from tests.e2e.redis_up import RabiaUp
from tests.support import poll_until


def test_redis_py_sync_api(cluster: RabiaUp) -> None:
    clients = [redis.Redis(port=p, decode_responses=True) for p in cluster.ports]
    a, b, c = clients
    try:
        assert a.set("k", "v", nx=True, ex=100) and b.get("k") == "v"
        assert b.set("k", "w", xx=True, get=True, keepttl=True) == "v"
        assert 98 <= c.ttl("k") <= 100
        assert c.set("k", "x", keepttl=True) and 98 <= a.ttl("k") <= 100
        assert a.expire("k", 500, gt=True) and not b.expire("k", 600, nx=True)
        assert c.persist("k") and a.ttl("k") == -1
        assert b.mset({"m1": "1", "m2": "2"}) and c.mget("m1", "m2", "no") == ["1", "2", None]
        assert a.incrby("n", 5) == 5 and b.decrby("n", 2) == 3 and c.get("n") == "3"
        assert a.append("m1", "x") == 2 and b.strlen("m1") == 2 and c.getdel("m1") == "1x"
        assert sorted(a.scan_iter(match="m*", count=1)) == ["m2"]
        assert sorted(b.keys("*")) == ["k", "m2", "n"] and c.dbsize() == 3
        assert a.ping() and b.echo("e") == "e" and c.exists("k", "nope") == 1
        assert a.client_setname("me") and a.client_getname() == "me" and a.client_id() > 0
        info = b.info()
        assert info["node_id"] == 1 and "applied_slot" in info
        with pytest.raises(ResponseError, match="not an integer"):
            c.incr("k")
        pipe = a.pipeline(transaction=False)
        for i in range(100):
            pipe.set(f"p{i}", i).get(f"p{i}")
        replies = pipe.execute()
        assert replies[1::2] == [str(i) for i in range(100)]
        with b.pipeline(transaction=True) as tx:
            tx.watch("n")
            c.incr("n")  # a write at another node between WATCH and EXEC
            tx.multi()
            tx.set("n", 100)
            with pytest.raises(WatchError):
                tx.execute()
        assert a.get("n") == "4"
        assert b.transaction(lambda t: t.multi() or t.incr("n"), "n") == [5]
        assert c.flushdb() and a.dbsize() == 0
    finally:
        for client in clients:
            client.close()


def test_redis_py_asyncio_api(cluster: RabiaUp) -> None:
    async def main() -> None:
        clients = [aioredis.Redis(port=p) for p in cluster.ports]
        try:
            # concurrent increments at every node: none lost
            await asyncio.gather(*(c.incr("hits") for c in clients for _ in range(50)))
            assert [await c.get("hits") for c in clients] == [b"150"] * NODES
            async with clients[0].pipeline(transaction=True) as tx:
                tx.set("a", 1).incr("a").get("a")
                assert await tx.execute() == [True, 2, b"2"]
            assert await clients[2].get("a") == b"2"
            await clients[1].mset({f"s{i}": i for i in range(30)})
            found = [k async for k in clients[2].scan_iter(match="s*", count=4)]
            assert sorted(found) == sorted(f"s{i}".encode() for i in range(30))
            # a TTL expires through the log's clock, at every node
            assert await clients[0].set("short", "v", px=150)

            async def gone() -> list[int]:
                return [await c.exists("short") for c in clients]

            await poll_until(gone, lambda r: r == [0] * NODES, timeout=10, what="expiry")
            with pytest.raises(ResponseError, match="wrong number of arguments"):
                await clients[1].execute_command("GET")
        finally:
            for c in clients:
                await c.aclose()

    asyncio.run(main())
