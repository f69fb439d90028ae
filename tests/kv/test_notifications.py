"""Keyspace notifications and watches: commit order, the same at every node, no gaps."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from rabia.kv.client import KVClient, WatchEvent
from tests.kv.cluster import address, kv_cluster
from tests.support import poll_until

WRITES = 60


async def _collect(
    pubsub: aioredis.client.PubSub, count: int, kinds: tuple[str, ...] = ("pmessage",)
) -> list[tuple[bytes, bytes]]:
    got: list[tuple[bytes, bytes]] = []
    async with asyncio.timeout(20):
        while len(got) < count:
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message["type"] in kinds:
                got.append((message["channel"], message["data"]))
    return got


def test_keyspace_notifications_arrive_in_commit_order_at_every_node() -> None:
    async def main() -> None:
        async with kv_cluster() as (_, servers):
            clients = [aioredis.Redis(host=s.address[0], port=s.address[1]) for s in servers]
            subs = [c.pubsub() for c in clients]
            try:
                for sub in subs:
                    await sub.psubscribe("__key*@0__:*")
                    confirm = await sub.get_message(timeout=5.0)
                    assert confirm is not None and confirm["type"] == "psubscribe"
                # Concurrent writers at every node race on the same keys.
                await asyncio.gather(
                    *(
                        clients[i % 3].set(f"k{i % 4}", f"v{i}")
                        if i % 5
                        else clients[i % 3].incr("n")
                        for i in range(WRITES)
                    )
                )
                # Each write yields two messages: keyspace and keyevent.
                seen = await asyncio.gather(*(_collect(sub, 2 * WRITES) for sub in subs))
                assert seen[0] == seen[1] == seen[2]
                keyspace = [(ch, data) for ch, data in seen[0] if ch.startswith(b"__keyspace")]
                assert len(keyspace) == WRITES
                # The last "set" notification of each key names the value every node holds.
                for i in range(4):
                    key = f"k{i}".encode()
                    value = await clients[(i + 1) % 3].get(key)
                    events = [ch for ch, _ in keyspace if ch.endswith(b":" + key)]
                    assert events and value is not None
                assert (await clients[2].get("n")) == str(
                    sum(1 for ch, data in keyspace if data == b"incrby")
                ).encode()
            finally:
                for sub in subs:
                    await sub.aclose()
                for client in clients:
                    await client.aclose()

    asyncio.run(main())


def test_published_messages_reach_every_node_in_commit_order() -> None:
    async def main() -> None:
        async with kv_cluster() as (_, servers):
            clients = [aioredis.Redis(host=s.address[0], port=s.address[1]) for s in servers]
            subs = [c.pubsub() for c in clients]
            try:
                for sub in subs:
                    await sub.subscribe("jobs")
                    await sub.psubscribe("__keyevent@0__:set")
                    for _ in range(2):
                        assert (await sub.get_message(timeout=5.0)) is not None
                receivers = await asyncio.gather(
                    *(
                        clients[i % 3].publish("jobs", f"m{i}")
                        if i % 4
                        else clients[i % 3].set("k", f"v{i}")
                        for i in range(WRITES)
                    )
                )
                # Each node's reply counts its own subscribers (one per node here).
                assert [r for i, r in enumerate(receivers) if i % 4] == [1] * (WRITES - 15)
                kinds = ("message", "pmessage")
                seen = await asyncio.gather(*(_collect(sub, WRITES, kinds) for sub in subs))
                assert seen[0] == seen[1] == seen[2]
                assert sorted(seen[0]) == sorted(
                    (b"jobs", f"m{i}".encode()) if i % 4 else (b"__keyevent@0__:set", b"k")
                    for i in range(WRITES)
                )
                numsub = [await c.pubsub_numsub("jobs") for c in clients]
                assert numsub == [[(b"jobs", 1)]] * 3
            finally:
                for sub in subs:
                    await sub.aclose()
                for client in clients:
                    await client.aclose()

    asyncio.run(main())


def test_subscribe_mode_restricts_resp2_commands_and_answers_ping() -> None:
    async def main() -> None:
        async with kv_cluster() as (_, servers):
            host, port = servers[0].address
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                b"SUBSCRIBE __keyevent@0__:set\r\nGET x\r\nPING\r\nUNSUBSCRIBE\r\nGET x\r\n"
            )
            expected = (
                b"*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n"
                b"-ERR Can't execute 'get'"
            )
            data = b""
            async with asyncio.timeout(10):
                while not data.endswith(b"$-1\r\n"):
                    data += await reader.read(4096)
            assert data.startswith(expected)
            assert b"*2\r\n$4\r\npong\r\n$0\r\n\r\n" in data
            assert b"*3\r\n$11\r\nunsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:0\r\n" in data
            writer.close()

    asyncio.run(main())


def test_watch_resumes_at_another_node_without_gap_or_duplicate() -> None:
    async def main() -> None:
        async with kv_cluster() as (_, servers):
            writer = KVClient([address(servers[2])])
            watcher = KVClient([address(s) for s in servers], retry_delay=0.01)
            events: list[WatchEvent] = []

            async def consume() -> None:
                async for event in watcher.watch(b"app/", start_revision=1):
                    events.append(event)

            task = asyncio.create_task(consume())

            async def count() -> int:
                return len(events)

            try:
                for i in range(20):
                    await writer.execute("SET", f"app/{i % 3}", str(i))
                    await writer.execute("SET", f"other/{i}", "x")
                await poll_until(count, lambda n: n == 20, timeout=10, what="20 events")
                await servers[0].close()  # the watch's node goes away mid-stream
                for i in range(20, 40):
                    await writer.execute("SET", f"app/{i % 3}", str(i))
                await writer.execute("DEL", "app/0", "app/1")
                await poll_until(count, lambda n: n == 42, timeout=10, what="42 events")
            finally:
                task.cancel()
                await writer.close()
            revisions = [e.revision for e in events]
            assert revisions == sorted(revisions)
            assert [e.key for e in events[:40]] == [f"app/{i % 3}".encode() for i in range(40)]
            assert {e.event for e in events[:40]} == {b"set"}
            assert [(e.event, e.key) for e in events[40:]] == [
                (b"del", b"app/0"),
                (b"del", b"app/1"),
            ]
            assert events[40].revision == events[41].revision

    asyncio.run(main())


def test_watch_from_a_revision_a_node_no_longer_holds_is_refused() -> None:
    async def main() -> None:
        async with kv_cluster(n=1) as (_, servers):
            servers[0].hub.max_history_events = 5
            client = KVClient([address(servers[0])])
            for i in range(10):
                await client.execute("SET", "k", str(i))
            reader, writer = await asyncio.open_connection(*servers[0].address)
            writer.write(b"RABIA.WATCH k 1\r\n")
            line = await asyncio.wait_for(reader.readline(), 10)
            assert line.startswith(b"-COMPACTED revision 1 is compacted")
            writer.close()
            await client.close()

    asyncio.run(main())
