"""Garbage on every port of a live 3-node KV cluster while a correct client counts.

Attackers (``tests/fuzz/garbage.py``) hit every peer, client and Redis port for
``GARBAGE_SECONDS`` (default 10; ``make garbage`` runs 60) while one client increments a
counter through the client ports (exactly once: retries keep their sequence numbers)
and another reads it through the Redis ports. Afterwards: no node died or logged a
traceback, each node's RSS stayed within ``RSS_BOUND`` of its value before the attack
(peak and end), no increment waited ``SLOWEST_BOUND`` or more, every reply was right,
and the nodes agree (same counter, same log and state hashes). Run with ``-s`` to see
the attack and memory report.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import TryAgainError

from rabia.client import Client
from rabia.kv.machine import encode_command
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import wait_converged
from tests.fuzz.garbage import Attacker, MiB, Tally, Target

SECONDS = float(os.environ.get("GARBAGE_SECONDS", "10"))
ATTACKERS = int(os.environ.get("GARBAGE_ATTACKERS", "8"))
SEED = int(os.environ.get("GARBAGE_SEED", str(random.randrange(1 << 32))))
RSS_BOUND = 100 * MiB
SLOWEST_BOUND = 5.0
"""Seconds one increment may take under attack (a blocked event loop takes longer)."""
SECRET = b"garbage test secret"
KEY = f"counter:{SEED}".encode()
MakeCluster = Callable[..., ProcessCluster]


def rss(pid: int) -> int:
    """Resident set size of ``pid`` in bytes (VmRSS of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


@dataclass
class Counter:
    acked: int = 0
    reads: int = 0
    retries: int = 0
    slowest: float = 0.0
    """Longest wait for one increment's reply, in seconds."""
    errors: list[str] = field(default_factory=list)


async def _writer(client: Client, counter: Counter, deadline: float) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < deadline:
        started = loop.time()
        reply = await client.submit(encode_command([b"INCR", KEY]))
        counter.slowest = max(counter.slowest, loop.time() - started)
        expected = b":%d\r\n" % (counter.acked + 1)
        if reply != expected:
            counter.errors.append(f"INCR answered {reply!r}, expected {expected!r}")
            return
        counter.acked += 1


async def _reader(ports: list[int], counter: Counter, deadline: float) -> None:
    loop = asyncio.get_running_loop()
    clients = [aioredis.Redis(host="127.0.0.1", port=p, socket_timeout=15) for p in ports]
    try:
        while loop.time() < deadline:
            low = counter.acked
            try:
                value = await clients[(counter.reads + counter.retries) % len(clients)].get(KEY)
            except TryAgainError:  # that node has no quorum right now (links knocked down)
                counter.retries += 1
                await asyncio.sleep(0.05)  # a client's back-off, not a wait for a condition
                continue
            high = counter.acked + 1  # one increment may be in flight
            got = int(value or 0)
            if not low <= got <= high:
                counter.errors.append(f"GET read {got}, outside [{low}, {high}]")
                return
            counter.reads += 1
    finally:
        for c in clients:
            await c.aclose()


async def _sample(pids: list[int], peaks: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for i, pid in enumerate(pids):
            peaks[i] = max(peaks[i], rss(pid))
        await asyncio.sleep(0.1)


def test_garbage_on_every_port(make_cluster: MakeCluster) -> None:
    resp_ports = free_ports(3)
    cluster = make_cluster(
        "rabia.kv:KVMachine",
        secret=SECRET,
        extra_args={i: ["--resp", f"127.0.0.1:{resp_ports[i]}"] for i in range(3)},
    )
    cluster.start()
    pids = [n.process.pid for n in cluster.nodes if n.process is not None]
    targets = [
        *(Target("peer", n.node_id, n.peer_port) for n in cluster.nodes),
        *(Target("client", n.node_id, n.client_port) for n in cluster.nodes),
        *(Target("resp", i, port) for i, port in enumerate(resp_ports)),
    ]
    tally = Tally()
    counter = Counter()

    async def main() -> tuple[list[int], list[int], list[int]]:
        async with Client(cluster.addresses(), timeout=20, secret=SECRET) as client:
            for _ in range(200):  # warm up before the baseline
                await client.submit(encode_command([b"INCR", KEY]))
            counter.acked = 200
            before = [rss(pid) for pid in pids]
            peaks = list(before)
            stop = asyncio.Event()
            sampler = asyncio.create_task(_sample(pids, peaks, stop))
            loop = asyncio.get_running_loop()
            deadline = loop.time() + SECONDS
            rngs = [random.Random(SEED + k) for k in range(ATTACKERS)]
            await asyncio.gather(
                _writer(client, counter, deadline),
                _reader(resp_ports, counter, deadline),
                *(Attacker(rng, targets, SECRET, tally).run(deadline) for rng in rngs),
            )
            statuses = await wait_converged(cluster.addresses(), timeout=30, secret=SECRET)
            after = [rss(pid) for pid in pids]
            stop.set()
            await sampler
        for key in ("log_hash", "machine_hash"):
            assert len({s[key] for s in statuses}) == 1, (key, statuses)
        for port in resp_ports:
            async with aioredis.Redis(host="127.0.0.1", port=port) as r:
                assert int(await r.get(KEY) or 0) == counter.acked, port
        return before, peaks, after

    before, peaks, after = asyncio.run(main())
    print(
        f"\ngarbage: {SECONDS:g} s, {ATTACKERS} attackers, seed {SEED}, "
        f"{sum(tally.attacks.values())} attacks, {tally.bytes_sent / MiB:.1f} MiB sent, "
        f"{tally.connect_failures} attacks cut short; {counter.acked - 200} increments "
        f"and {counter.reads} reads ({counter.retries} TRYAGAIN) during the attack; "
        f"slowest increment {counter.slowest:.2f} s"
    )
    for name, count in sorted(tally.attacks.items()):
        print(f"  {name}: {count}")
    for i in range(len(pids)):
        print(
            f"  node {i} RSS: before {before[i] / MiB:.1f} MiB, peak {peaks[i] / MiB:.1f} "
            f"(+{(peaks[i] - before[i]) / MiB:.1f}), after {after[i] / MiB:.1f} "
            f"(+{(after[i] - before[i]) / MiB:.1f})"
        )
    assert counter.errors == []
    assert counter.acked > 200 and counter.reads > 0
    assert counter.slowest < SLOWEST_BOUND
    for i, node in enumerate(cluster.nodes):
        assert cluster.alive(i), f"node {i} died:\n{node.log()[-3000:]}"
        log = node.log()
        for bad in ("Traceback", "CRITICAL", "Fatal error"):
            assert bad not in log, f"node {i} logged {bad!r}:\n{_around(log, bad)}"
        assert peaks[i] - before[i] < RSS_BOUND, f"node {i} RSS grew by {peaks[i] - before[i]}"
        assert after[i] - before[i] < RSS_BOUND, f"node {i} RSS grew by {after[i] - before[i]}"


def _around(log: str, text: str) -> str:
    at = log.index(text)
    return log[max(0, at - 500) : at + 2500]
