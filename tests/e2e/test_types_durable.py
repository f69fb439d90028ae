"""Every data type survives snapshots, state transfer and a restart of the whole cluster
(3 processes, ``--snapshot-every 16``): strings with TTLs, bitmaps, small and large
hashes, lists, sets and sorted sets, streams with consumer groups and pending entries,
and a client blocked in BLPOP. Every node ends with the same keyspace, read back type by
type, with the same encodings and the same stream metadata."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis

from tests.differential.oracle import RespSocket, read_state
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import wait_converged
from tests.support import poll_until

KV = "rabia.kv:KVMachine"


def _populate(r: redis.Redis, tag: str, size: int) -> None:
    """Keys of every type and encoding, named after ``tag``."""
    r.set(f"str:{tag}", "value", ex=10_000)
    r.set(f"int:{tag}", 12345)
    r.setbit(f"bits:{tag}", 1000, 1)
    r.hset(f"hash:{tag}", mapping={f"f{i}": i for i in range(size)})
    r.hset(f"smallhash:{tag}", "field", "x")
    r.rpush(f"list:{tag}", *[f"element-{i}" for i in range(size * 10)])
    r.lpush(f"smalllist:{tag}", "a", "b")
    r.sadd(f"intset:{tag}", *range(size))
    r.sadd(f"set:{tag}", *[f"member-{i}" for i in range(size)])
    r.zadd(f"zset:{tag}", {f"m{i}": i / 3 for i in range(size)})
    r.zadd(f"smallzset:{tag}", {"a": 1.5, "b": -2})
    for i in range(1, size // 10 + 2):
        r.xadd(f"stream:{tag}", {"n": str(i)}, id=f"{i}-1")
    r.xgroup_create(f"stream:{tag}", "workers", id="0")
    r.xreadgroup("workers", "alice", {f"stream:{tag}": ">"}, count=3)
    r.xack(f"stream:{tag}", "workers", "1-1")
    r.pexpire(f"set:{tag}", 50_000_000)


def _snapshot_of(port: int) -> dict[bytes, object]:
    """The keyspace at one node, with each key's encoding and each stream's groups."""
    node = RespSocket(port)
    try:
        state: dict[bytes, object] = dict(read_state(node.call))
        for key in list(state):
            extra = [node.call([b"OBJECT", b"ENCODING", key])]
            if key.startswith(b"stream:"):
                extra.append(node.call([b"XINFO", b"STREAM", key, b"FULL"]))
            state[key] = (state[key], extra)
        return state
    finally:
        node.close()


def test_every_type_survives_snapshots_state_transfer_and_a_full_restart(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path
) -> None:
    ports = free_ports(3)
    extra = {
        i: [
            *("--resp", f"127.0.0.1:{ports[i]}", "--data-dir", str(tmp_path / f"d{i}")),
            *("--snapshot-every", "16"),
        ]
        for i in range(3)
    }
    cluster = make_cluster(KV, 3, extra_args=extra)
    cluster.start()
    clients = [redis.Redis(port=p, socket_timeout=30) for p in ports]
    waiter = redis.Redis(port=ports[0], socket_timeout=60)
    pool = ThreadPoolExecutor(1)
    try:
        _populate(clients[0], "before", 200)
        # A client blocked at node 0 while node 2 is away: its waiter is replicated state.
        pop = pool.submit(waiter.blpop, ["wakeup"], 0)

        async def blocked() -> int:
            return int(clients[0].info("clients")["blocked_clients"])

        asyncio.run(poll_until(blocked, lambda n: n == 1, timeout=20, what="a blocked client"))

        cluster.kill(2, signal.SIGKILL)
        _populate(clients[1], "while-away", 150)
        for i in range(200):  # far past two snapshots: node 2 must take one
            clients[i % 2].incr("counter")
        before = len(cluster.nodes[2].log())
        cluster.start(2)
        cluster.wait_for_log(2, "installed a snapshot from a peer", timeout=60, start=before)

        # Node 2 serves node 0's blocked client with the waiter it got in the snapshot.
        assert clients[2].rpush("wakeup", "job") == 1
        assert tuple(pop.result(timeout=30)) == (b"wakeup", b"job")
        _populate(clients[2], "after", 20)

        asyncio.run(wait_converged(cluster.addresses(), timeout=60))
        states = [_snapshot_of(p) for p in ports]
        assert len(states[0]) == 3 * 12 + 1, sorted(states[0])  # 12 keys per tag + counter
        assert states[1] == states[0] and states[2] == states[0]

        for i in range(3):  # the whole cluster dies at once, and comes back from disk
            cluster.kill(i, signal.SIGKILL)
        cluster.start(0, 1, 2)
        asyncio.run(wait_converged(cluster.addresses(), timeout=60))
        for port in ports:
            assert _snapshot_of(port) == states[0]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        for c in [*clients, waiter]:
            c.close()
