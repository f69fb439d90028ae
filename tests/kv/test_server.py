"""redis-py (asyncio) against three in-process nodes serving the Redis protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, ResponseError, WatchError

from rabia.kv.machine import KVMachine
from rabia.kv.reads import DEFAULT_READS
from rabia.kv.server import RespServer
from rabia.runtime import Node, NodeConfig
from rabia.transport.memory import MemoryNetwork, MemoryTransport

MEMBERS = {i: f"127.0.0.1:{7000 + i}" for i in range(3)}
Body = Callable[[list[aioredis.Redis]], Awaitable[None]]


def with_cluster(
    body: Body,
    password: bytes | None = None,
    protocol: int | None = None,
    reads: str | None = None,
) -> None:
    """Run ``body`` against a 3-node in-process cluster; ``reads`` names a read mode to
    check (barrier reads happened, or none did), None: the default, unchecked."""

    async def main() -> None:
        network = MemoryNetwork()
        nodes = [
            Node(
                NodeConfig(i, MEMBERS), KVMachine(), transport=MemoryTransport(network, i, MEMBERS)
            )
            for i in MEMBERS
        ]
        servers = [
            RespServer(node, "127.0.0.1", 0, password=password, reads=reads or DEFAULT_READS)
            for node in nodes
        ]
        for node, server in zip(nodes, servers, strict=True):
            await node.start()
            await server.start()
        # redis-py's default (RESP3 for redis-py 8), unless a test asks for a protocol.
        extra = {} if protocol is None else {"protocol": protocol}
        clients = [aioredis.Redis(host="127.0.0.1", port=s.address[1], **extra) for s in servers]
        try:
            await body(clients)
            released = sum(int(n.stats()["reads_released"] or 0) for n in nodes)
            if reads is not None:
                assert released > 0 if reads == "barrier" else released == 0, released
        finally:
            for client in clients:
                await client.aclose()
            for server in servers:
                await server.close()
            for node in nodes:
                await node.stop()

    asyncio.run(main())


@pytest.mark.parametrize("reads", ["log", "barrier"])
def test_every_node_serves_linearizable_reads_and_writes(reads: str) -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        assert await c[0].ping()
        assert await c[0].set("k", "v1")
        assert await c[1].get("k") == b"v1"  # a read at another node sees the write
        assert await c[2].incr("n") == 1 and await c[0].incrby("n", 5) == 6
        assert await c[1].mset({"a": "1", "b": "2"})
        assert await c[2].mget("a", "b", "zz") == [b"1", b"2", None]
        assert await c[0].set("k", "v2", nx=True) is None
        assert await c[0].set("t", "x", px=60_000) and 0 < await c[1].pttl("t") <= 60_000
        assert await c[2].delete("a", "b", "nope") == 2
        assert await c[0].dbsize() == 3
        assert sorted(await c[1].keys("*")) == [b"k", b"n", b"t"]
        async with c[2].pipeline(transaction=False) as pipe:
            pipe.set("p", "1").get("p").incr("p").get("p").get("k")
            assert await pipe.execute() == [True, b"1", 2, b"2", b"v1"]

    with_cluster(body, reads=reads)


def test_resp2_clients_get_the_same_answers() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        assert await c[0].set("k", "v")
        assert await c[1].mget("k", "missing") == [b"v", None]
        assert await c[2].get("missing") is None

    with_cluster(body, protocol=2)


def test_errors_are_redis_errors_and_change_nothing() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        await c[0].set("s", "text")
        with pytest.raises(ResponseError, match="not an integer"):
            await c[1].incr("s")
        with pytest.raises(ResponseError, match="wrong number of arguments"):
            await c[2].execute_command("GET")
        with pytest.raises(ResponseError, match="unknown command"):
            await c[0].execute_command("NOSUCH", "x")
        assert await c[2].get("s") == b"text"

    with_cluster(body)


def test_pipelines_answer_in_order() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        pipe = c[0].pipeline(transaction=False)
        for k in range(200):
            pipe.set(f"p{k}", k)
            pipe.get(f"p{k}")
        replies = await pipe.execute()
        assert replies[1::2] == [str(k).encode() for k in range(200)]

    with_cluster(body)


def test_transactions_and_watch() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        await c[0].set("balance", 10)
        async with c[0].pipeline(transaction=True) as pipe:
            pipe.incrby("balance", 5)
            pipe.get("balance")
            assert await pipe.execute() == [15, b"15"]
        async with c[1].pipeline(transaction=True) as pipe:
            await pipe.watch("balance")
            await c[2].set("balance", 0)  # someone else writes in between
            pipe.multi()
            pipe.set("balance", 99)
            with pytest.raises(WatchError):
                await pipe.execute()
        assert await c[0].get("balance") == b"0"

    with_cluster(body)


def test_a_client_gone_before_its_watch_is_decided_causes_no_error() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        errors: list[dict[str, object]] = []
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
        port = c[0].connection_pool.connection_kwargs["port"]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"*2\r\n$5\r\nWATCH\r\n$1\r\nk\r\n")
        writer.close()
        await writer.wait_closed()
        assert await c[0].set("k", "v")  # decided after the WATCH, at the same node
        assert not errors, errors

    with_cluster(body)


def test_auth_is_required_when_configured() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        # NOAUTH and WRONGPASS are AuthenticationErrors (ConnectionErrors) to redis-py,
        # which it retries with backoff unless told not to.
        port = c[1].connection_pool.connection_kwargs["port"]
        kw = {"host": "127.0.0.1", "port": port, "protocol": 2, "retry": Retry(NoBackoff(), 0)}
        good = aioredis.Redis(password="sesame", **kw)
        bad = aioredis.Redis(password="wrong", **kw)
        none = aioredis.Redis(**kw)
        try:
            with pytest.raises(AuthenticationError, match="Authentication required"):
                await none.get("x")
            assert await good.get("x") is None  # AUTH sesame on connect
            with pytest.raises(AuthenticationError, match="invalid username-password pair"):
                await bad.get("x")
        finally:
            for client in (good, bad, none):
                await client.aclose()

    with_cluster(body, password=b"sesame", protocol=2)


def test_resp3_clients_authenticate_in_hello() -> None:
    async def main() -> None:
        network = MemoryNetwork()
        nodes = [
            Node(
                NodeConfig(i, MEMBERS), KVMachine(), transport=MemoryTransport(network, i, MEMBERS)
            )
            for i in MEMBERS
        ]
        server = RespServer(nodes[0], "127.0.0.1", 0, password=b"sesame")
        for node in nodes:
            await node.start()
        await server.start()
        port = server.address[1]
        no_retry = Retry(NoBackoff(), 0)
        good = aioredis.Redis(host="127.0.0.1", port=port, password="sesame", retry=no_retry)
        bad = aioredis.Redis(host="127.0.0.1", port=port, password="nope", retry=no_retry)
        try:
            assert await good.set("x", "1") and await good.get("x") == b"1"
            with pytest.raises(AuthenticationError, match="invalid username-password pair"):
                await bad.ping()
        finally:
            await good.aclose()
            await bad.aclose()
            await server.close()
            for node in nodes:
                await node.stop()

    asyncio.run(main())


async def _raw(client: aioredis.Redis, payload: bytes, replies: int) -> list[bytes]:
    """Send ``payload`` on a fresh socket to ``client``'s node; the first ``replies`` lines."""
    port = client.connection_pool.connection_kwargs["port"]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        return [await asyncio.wait_for(reader.readline(), 10) for _ in range(replies)]
    finally:
        writer.close()


def test_connection_errors_carry_their_own_code_once() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        payload = b"".join(
            b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
            for args in (
                [b"SELECT", b"1"],
                [b"AUTH", b"pw"],
                [b"CLIENT", b"BOGUS"],
                [b"EXEC"],
                [b"DISCARD"],
                [b"HELLO", b"4"],
                [b"SET", b"k", b"x" * (2 << 20)],  # over the node's max_command_bytes
            )
        )
        replies = await _raw(c[0], payload, 7)
        assert replies[6].startswith(b"-ERR command of 20971")
        assert replies[6].endswith(b" bytes exceeds max_command_bytes\r\n")
        assert replies[:6] == [
            b"-ERR DB index is out of range\r\n",
            b"-ERR AUTH <password> called without any password configured for the default user."
            b" Are you sure your configuration is correct?\r\n",
            b"-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\r\n",
            b"-ERR EXEC without MULTI\r\n",
            b"-ERR DISCARD without MULTI\r\n",
            b"-NOPROTO unsupported protocol version\r\n",
        ]
        assert await c[1].exists("k") == 0

    with_cluster(body)


def test_auth_errors_carry_their_own_code() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        payload = b"*2\r\n$3\r\nGET\r\n$1\r\nx\r\n*2\r\n$4\r\nAUTH\r\n$1\r\ny\r\n"
        assert await _raw(c[0], payload, 2) == [
            b"-NOAUTH Authentication required.\r\n",
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        ]

    with_cluster(body, password=b"sesame", protocol=2)


def test_nothing_runs_after_quit() -> None:
    async def body(c: list[aioredis.Redis]) -> None:
        port = c[0].connection_pool.connection_kwargs["port"]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"PING\r\nQUIT\r\nSET after quit\r\n*1\r\n$4\r\nPING\r\n")
        assert await asyncio.wait_for(reader.read(), 10) == b"+PONG\r\n+OK\r\n"  # then EOF
        writer.close()
        assert await c[1].exists("after") == 0

    with_cluster(body)


@pytest.mark.parametrize("reads", ["log", "barrier"])
def test_an_acl_change_at_one_node_is_enforced_at_every_node(reads: str) -> None:
    """ACL SETUSER at node 0 goes through the log: the same user gets NOPERM at nodes 1
    and 2 (for a log command, and for a read answered at the node)."""

    async def body(c: list[aioredis.Redis]) -> None:
        assert await c[0].execute_command("ACL", "SETUSER", "u", "on", ">pw", "~*", "+@all")
        users = [
            aioredis.Redis(host="127.0.0.1", port=port, username="u", password="pw", protocol=2)
            for port in [client.connection_pool.connection_kwargs["port"] for client in c]
        ]
        try:
            for user in users:
                assert await user.set("k", "v")
            assert await c[0].execute_command("ACL", "SETUSER", "u", "-set", "-get")
            assert await c[1].execute_command("ACL", "GETUSER", "u")  # after node 0's change
            for user in users:
                with pytest.raises(ResponseError, match="no permissions to run the 'set' command"):
                    await user.set("k", "w")
                with pytest.raises(ResponseError, match="no permissions to run the 'get' command"):
                    await user.get("k")
                assert await user.strlen("k") == 1
        finally:
            for user in users:
                await user.aclose()

    with_cluster(body, protocol=2, reads=reads)
