"""A 3-process cluster on loopback: agreement, a kill -9, cut and restored links."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from rabia.client import Client
from rabia.errors import RabiaError
from rabia.objects import remote
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import EXAMPLES, load_example, wait_converged

MakeCluster = Callable[..., ProcessCluster]


def same_hashes(statuses: list[dict[str, Any]]) -> None:
    assert len({s["log_hash"] for s in statuses}) == 1, statuses
    assert len({s["machine_hash"] for s in statuses}) == 1, statuses


async def _writers(addresses: list[list[str]], per_client: int, tag: str) -> list[str]:
    """One client per address list, each writing unique entries; returns acked entries."""

    async def run(index: int, targets: list[str]) -> list[str]:
        acked = []
        async with Client(targets, timeout=10.0) as client:
            for k in range(per_client):
                entry = f"{tag}-{index}-{k}"
                await client.submit(entry.encode())
                acked.append(entry)
        return acked

    results = await asyncio.gather(*(run(i, t) for i, t in enumerate(addresses)))
    return [e for r in results for e in r]


def test_three_processes_decide_and_hold_the_same_state(make_cluster: MakeCluster) -> None:
    cluster = make_cluster()
    cluster.start()

    async def main() -> None:
        acked = await _writers([[a] for a in cluster.addresses()], 40, "w")
        statuses = await wait_converged(cluster.addresses())
        same_hashes(statuses)
        async with Client(cluster.addresses()[:1]) as client:
            log = json.loads(await client.submit(b"dump"))
        assert sorted(log) == sorted(acked)  # each acknowledged write exactly once

    asyncio.run(main())


def test_kill_9_one_node_and_the_others_keep_serving(make_cluster: MakeCluster) -> None:
    cluster = make_cluster()
    cluster.start()

    async def main() -> None:
        before = await _writers([[a] for a in cluster.addresses()], 10, "before")
        cluster.kill(2, signal.SIGKILL)
        after = await _writers([cluster.addresses(0, 1)] * 2, 25, "after")
        statuses = await wait_converged(cluster.addresses(0, 1))
        same_hashes(statuses)
        async with Client(cluster.addresses(0)) as client:
            log = json.loads(await client.submit(b"dump"))
        assert sorted(log) == sorted(before + after)

    asyncio.run(main())


def test_cut_and_restored_links_lose_and_double_nothing(make_cluster: MakeCluster) -> None:
    from rabia.testing.proxy import LinkProxy

    n = 3
    ports = free_ports(2 * n + n * (n - 1))
    proxy_ports = iter(ports[2 * n :])
    peer_map = {(s, d): next(proxy_ports) for s in range(n) for d in range(n) if s != d}
    cluster = make_cluster(peer_map=peer_map, ports=ports[: 2 * n])

    async def main() -> None:
        proxies = {
            link: LinkProxy(("127.0.0.1", port), ("127.0.0.1", cluster.nodes[link[1]].peer_port))
            for link, port in peer_map.items()
        }
        for proxy in proxies.values():
            await proxy.start()
        try:
            await asyncio.to_thread(cluster.start)
            acked = await _writers([[a] for a in cluster.addresses()], 10, "a")
            # Cut node 2 off: the other two still form a quorum.
            for (s, d), proxy in proxies.items():
                if 2 in (s, d):
                    proxy.cut()
            acked += await _writers([cluster.addresses(0, 1)] * 2, 15, "b")
            # Cut everything: no quorum; writes cannot finish.
            for proxy in proxies.values():
                proxy.cut()
            unknown: list[str] = []
            async with Client(cluster.addresses(0), timeout=0.5) as client:
                try:
                    await client.submit(b"c-0")
                    acked.append("c-0")
                except RabiaError:
                    unknown.append("c-0")
            for proxy in proxies.values():
                proxy.restore()
            acked += await _writers([[a] for a in cluster.addresses()], 10, "d")
            statuses = await wait_converged(cluster.addresses(), timeout=20)
            same_hashes(statuses)
            async with Client(cluster.addresses(2)) as client:
                log = json.loads(await client.submit(b"dump"))
            assert len(log) == len(set(log)), "a command was applied twice"
            assert set(acked) <= set(log), "an acknowledged command was lost"
            assert set(log) <= set(acked) | set(unknown)
        finally:
            for proxy in proxies.values():
                await proxy.close()

    asyncio.run(main())


def test_banking_example_keeps_the_total_on_every_replica(make_cluster: MakeCluster) -> None:
    banking = load_example("banking")
    cluster = make_cluster(f"{EXAMPLES / 'banking.py'}:Bank")
    cluster.start()
    accounts = [f"acct{i}" for i in range(6)]

    async def main() -> None:
        async with Client(cluster.addresses(0)) as client:
            bank = remote(banking.Bank, client)
            for name in accounts:
                assert await bank.open(name, 100) == 100

        async def transfers(index: int) -> None:
            async with Client(cluster.addresses(index)) as client:
                bank = remote(banking.Bank, client)
                for k in range(30):
                    source = accounts[(index + k) % 6]
                    target = accounts[(index * 2 + k + 1) % 6]
                    with contextlib.suppress(banking.InsufficientFunds):
                        await bank.transfer(source, target, 7 + k)

        await asyncio.gather(*(transfers(i) for i in range(3)))
        statuses = await wait_converged(cluster.addresses())
        same_hashes(statuses)
        for address in cluster.addresses():
            async with Client([address]) as client:
                total = await remote(banking.Bank, client).total()
                assert total == banking.Total(total=600, accounts=6)

    asyncio.run(main())


def test_counter_and_kvstore_examples(make_cluster: MakeCluster) -> None:
    kv = load_example("kvstore")
    counter_example = load_example("counter")

    counter = make_cluster(f"{EXAMPLES / 'counter.py'}:Counter", secret=b"as in README")
    counter.start()
    store = make_cluster(f"{EXAMPLES / 'kvstore.py'}:KVStore")
    store.start()

    async def main() -> None:
        async def incr(address: str) -> None:
            async with Client([address], secret=b"as in README") as client:
                for _ in range(20):
                    await remote(counter_example.Counter, client).incr(1)

        await asyncio.gather(*(incr(a) for a in counter.addresses()))
        # The README's command line: the example's own client, proving the secret.
        assert counter.secret_file is not None
        line = [sys.executable, str(EXAMPLES / "counter.py"), "--secret-file"]
        line += [str(counter.secret_file), "--node", counter.addresses()[1], "incr", "5"]
        done = subprocess.run(line, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and done.stdout.strip() == "65", done
        for address in counter.addresses():
            async with Client([address], secret=b"as in README") as client:
                assert await remote(counter_example.Counter, client).get() == 65
        same_hashes(await wait_converged(counter.addresses(), secret=b"as in README"))

        async with Client(store.addresses(0)) as a, Client(store.addresses(1)) as b:
            put = kv.decode_result(await a.submit(kv.encode_command(kv.Put("k", "v1"))))
            assert put.ok and put.value == "v1"
            cas = kv.decode_result(await b.submit(kv.encode_command(kv.Cas("k", "v1", "v2"))))
            assert cas.ok
            stale = kv.decode_result(await a.submit(kv.encode_command(kv.Cas("k", "v1", "v3"))))
            assert not stale.ok and stale.value == "v2"
            got = kv.decode_result(await b.submit(kv.encode_command(kv.Get("k"))))
            assert got.value == "v2"

    asyncio.run(main())


def test_kv_cluster_speaks_redis_on_every_node(make_cluster: MakeCluster) -> None:
    import redis

    from tests.e2e.cluster import free_ports

    resp_ports = free_ports(3)
    cluster = make_cluster(
        "rabia.kv:KVMachine",
        extra_args={i: ["--resp", f"127.0.0.1:{resp_ports[i]}"] for i in range(3)},
    )
    cluster.start()
    clients = [redis.Redis(host="127.0.0.1", port=p) for p in resp_ports]
    try:
        assert clients[0].set("color", "blue")
        assert [c.get("color") for c in clients] == [b"blue"] * 3
        assert clients[1].incr("visits") == 1 and clients[2].incr("visits") == 2
        pipe = clients[2].pipeline(transaction=False)
        for k in range(100):
            pipe.set(f"k{k}", k)
        assert all(pipe.execute())
        assert clients[0].dbsize() == 102
    finally:
        for c in clients:
            c.close()


def test_rabia_status_shows_every_node(make_cluster: MakeCluster) -> None:
    import subprocess
    import sys

    cluster = make_cluster()
    cluster.start()
    asyncio.run(_writers([cluster.addresses()], 5, "s"))
    args = [sys.executable, "-m", "rabia", "status", "--json"]
    for address in cluster.addresses():
        args += ["--node", address]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["status"]["node_id"] for r in rows) == [0, 1, 2]
    assert all(r["status"]["members"] == "0,1,2" and r["error"] is None for r in rows)
    cluster.kill(2)
    down = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "unreachable" not in down.stdout  # JSON names the error
    assert any(json.loads(line)["error"] for line in down.stdout.splitlines())
