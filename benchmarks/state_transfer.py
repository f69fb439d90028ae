"""State transfer of a large KV store: a node that missed the writes catches up by snapshot.

    .venv/bin/python benchmarks/state_transfer.py [--mb 64] [--value-size 1024]

Starts three `rabia node` processes of the KV store on disk (`always`, snapshots every 32
slots), kills node 2, writes about MB megabytes of keys through node 0 with redis-py
pipelines, restarts node 2 and measures how long it takes to reach the same applied
slot and state hash as the others (it receives the snapshot in 1 MiB chunks, then the
decisions after it; ADR 0011). Prints the snapshot size, the catch-up time and the
largest resident memory. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import redis.asyncio as redis

from rabia.testing.nemesis.cluster import NemesisCluster


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def write(host: str, port: int, keys: int, value: bytes, start: int) -> None:
    client = redis.Redis(host=host, port=port)
    try:
        for first in range(start, start + keys, 500):
            pipe = client.pipeline(transaction=False)
            for k in range(first, min(first + 500, start + keys)):
                pipe.set(b"key:%09d" % k, value)
            await pipe.execute()
    finally:
        await client.aclose()


async def main(megabytes: int, value_size: int) -> None:
    directory = Path(tempfile.mkdtemp(prefix="rabia-transfer-"))
    cluster = NemesisCluster(directory, 3, snapshot_every=32)
    await cluster.start()
    try:
        keys = megabytes * 1024 * 1024 // (value_size + 16)
        value = b"v" * value_size
        host, port = cluster.resp_addresses[0]
        await write(host, port, 1000, value, 0)
        cluster.kill(2)
        started = time.perf_counter()
        await write(host, port, keys, value, 1000)
        print(f"wrote {keys:,} keys of {value_size} B in {time.perf_counter() - started:.1f} s")
        await cluster.start_node(2)
        restarted = time.perf_counter()
        while True:
            statuses = await cluster.statuses()
            if all(s is not None for s in statuses):
                slots = {s["applied_slot"] for s in statuses if s is not None}
                states = {s["machine_hash"] for s in statuses if s is not None}
                if len(slots) == 1 and len(states) == 1:
                    break
            if time.perf_counter() - restarted > 600:
                raise SystemExit("node 2 did not catch up within 600 s")
            await asyncio.sleep(0.2)
        caught_up = time.perf_counter() - restarted
        log = cluster.nodes[2].log_path.read_text(errors="replace")
        installed = [line for line in log.splitlines() if "installed a snapshot" in line]
        sizes = [
            line
            for line in cluster.nodes[0].log_path.read_text(errors="replace").splitlines()
            if "snapshot at slot" in line
        ]
        print(f"latest snapshot of node 0: {sizes[-1].split('snapshot at slot')[-1].strip()}")
        print(f"node 2: {installed[-1].strip() if installed else 'no snapshot installed'}")
        print(f"node 2 caught up (same slot and state hash) {caught_up:.1f} s after restart")
        print(
            "resident memory MiB: "
            + ", ".join(f"{rss_mib(n.process.pid):.0f}" for n in cluster.nodes if n.process)
        )
    finally:
        await cluster.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64, help="megabytes of values to write")
    parser.add_argument("--value-size", type=int, default=1024)
    args = parser.parse_args()
    asyncio.run(main(args.mb, args.value_size))
