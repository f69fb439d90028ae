"""Scripts on a real 3-process cluster: the script cache is replicated state (loaded at
one node, run at another, through a snapshot install and a kill -9 of every node), and a
runaway script is stopped by its instruction budget alike on every replica while the
cluster keeps serving."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis

from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import wait_converged
from tests.support import poll_until

KV = "rabia.kv:KVMachine"
COUNT = b"return redis.call('incr', KEYS[1])"
COUNT_SHA = hashlib.sha1(COUNT).hexdigest()


def _cluster(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path, *extra: str
) -> tuple[ProcessCluster, list[redis.Redis]]:
    ports = free_ports(3)
    args = {
        i: ["--resp", f"127.0.0.1:{ports[i]}", "--data-dir", str(tmp_path / f"d{i}"), *extra]
        for i in range(3)
    }
    cluster = make_cluster(KV, 3, extra_args=args)
    cluster.start()
    clients = [redis.Redis(port=p, socket_timeout=60) for p in ports]

    async def peers() -> list[object]:
        return [client.info().get("connected_peers") for client in clients]

    # Every link up before a test kills a node: "ready" means a quorum, not every peer.
    asyncio.run(poll_until(peers, lambda found: found == [2, 2, 2], timeout=30, what="links"))
    return cluster, clients


def test_scripts_survive_snapshots_and_a_kill_of_every_node(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path
) -> None:
    cluster, clients = _cluster(make_cluster, tmp_path, "--snapshot-every", "16")
    try:
        assert clients[0].script_load(COUNT) == COUNT_SHA
        assert clients[2].evalsha(COUNT_SHA, 1, "n") == 1
        assert clients[1].script_exists(COUNT_SHA, "f" * 40) == [True, False]

        cluster.kill(2, signal.SIGKILL)  # away while a script is loaded and snapshots taken
        later = b"return redis.call('get', KEYS[1])"
        later_sha = clients[0].script_load(later)
        for i in range(100):
            clients[i % 2].evalsha(COUNT_SHA, 1, "n")
        before = len(cluster.nodes[2].log())
        cluster.start(2)
        cluster.wait_for_log(2, "installed a snapshot from a peer", timeout=60, start=before)
        assert clients[2].evalsha(later_sha, 1, "n") == b"101"
        assert clients[2].evalsha(COUNT_SHA, 1, "n") == 102

        asyncio.run(wait_converged(cluster.addresses(), timeout=60))
        for i in range(3):  # the whole cluster dies at once, and comes back from disk
            cluster.kill(i, signal.SIGKILL)
        cluster.start(0, 1, 2)
        asyncio.run(wait_converged(cluster.addresses(), timeout=60))
        for i, client in enumerate(clients):
            assert client.evalsha(COUNT_SHA, 1, "n") == 103 + i
            assert client.script_exists(COUNT_SHA, later_sha) == [True, True]
        clients[1].script_flush()
        for client in clients:
            assert client.script_exists(COUNT_SHA) == [False]
    finally:
        for client in clients:
            client.close()


def test_a_runaway_script_is_stopped_alike_on_every_replica(
    make_cluster: Callable[..., ProcessCluster], tmp_path: Path
) -> None:
    cluster, clients = _cluster(make_cluster, tmp_path, "--script-budget", "20000000")
    runaway = "redis.call('rpush', KEYS[1], ARGV[1])\nwhile true do pcall(function() end) end"
    served: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def other_client() -> None:
        other = redis.Redis(port=clients[1].connection_pool.connection_kwargs["port"])
        try:
            while not stop.is_set():
                served.append(int(other.incr("other")))
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            other.close()

    worker = threading.Thread(target=other_client, daemon=True)
    worker.start()
    try:
        errors = []
        for i, client in enumerate(clients):  # each node answers its own client
            try:
                client.eval(runaway, 1, "log", f"node{i}")
            except redis.ResponseError as exc:
                errors.append(str(exc))
        deadline = time.monotonic() + 30
        while len(served) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)  # bounded: the other client's INCRs go on
    finally:
        stop.set()
        worker.join(timeout=30)
    assert failures == [] and len(served) >= 20 and served == sorted(served)
    assert len(errors) == 3 and len(set(errors)) == 1, errors
    assert errors[0].startswith("Script exceeded its instruction budget (20000000 instructions)")
    assert errors[0].endswith(", on @user_script:2.")
    asyncio.run(wait_converged(cluster.addresses(), timeout=60))
    for client in clients:  # what the scripts wrote before they were stopped stays, alike
        assert client.lrange("log", 0, -1) == [b"node0", b"node1", b"node2"]
        assert client.set("after", "ok") is True
        client.close()
