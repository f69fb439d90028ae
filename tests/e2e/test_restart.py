"""kill -9 the whole cluster under write load, restart it from disk, lose nothing.

Rounds: ``RESTART_ROUNDS`` (default 3; ``make soak-restart`` runs 20).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from rabia.client import Client
from rabia.errors import RabiaError
from tests.e2e.cluster import ProcessCluster
from tests.e2e.conftest import wait_converged

MakeCluster = Callable[..., ProcessCluster]
ROUNDS = int(os.environ.get("RESTART_ROUNDS", "3"))


async def _writer(address: str, tag: str, acked: list[str], stop: asyncio.Event) -> None:
    client = Client([address], timeout=2.0)
    try:
        await client.connect()
        k = 0
        while not stop.is_set():
            entry = f"{tag}-{k}"
            try:
                await client.submit(entry.encode())
            except RabiaError:
                return  # the node died under us: this entry's fate is unknown
            acked.append(entry)
            k += 1
    except RabiaError:
        return
    finally:
        await client.close()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_kill_9_all_nodes_and_restart_loses_no_acknowledged_write(
    round_: int, make_cluster: MakeCluster, tmp_path: Path
) -> None:
    rng = random.Random(round_)
    extra = {
        i: ["--data-dir", str(tmp_path / f"data{i}"), "--durability", "always"] for i in range(3)
    }
    cluster = make_cluster(extra_args=extra)
    cluster.start()
    acked: list[str] = []

    async def load_then_kill() -> None:
        stop = asyncio.Event()
        writers = [
            asyncio.create_task(_writer(a, f"r{round_}-n{i}", acked, stop))
            for i, a in enumerate(cluster.addresses())
        ]
        await asyncio.sleep(rng.uniform(0.3, 1.5))  # a random moment under load
        for i in range(3):
            cluster.kill(i, signal.SIGKILL)
        stop.set()
        await asyncio.gather(*writers)

    asyncio.run(load_then_kill())
    assert acked, "no write was acknowledged before the kill"
    cluster.start()

    async def check() -> None:
        # One more write goes through the restarted cluster, then every node is compared.
        async with Client(cluster.addresses(), timeout=10) as client:
            await client.submit(b"after-restart")
        statuses = await wait_converged(cluster.addresses(), timeout=20)
        assert len({s["log_hash"] for s in statuses}) == 1
        assert len({s["machine_hash"] for s in statuses}) == 1
        for address in cluster.addresses():
            async with Client([address], timeout=10) as client:
                log = json.loads(await client.submit(b"dump"))
            assert len(log) == len(set(log)), "a write was applied twice"
            missing = set(acked) - set(log)
            assert not missing, f"acknowledged writes lost: {sorted(missing)[:5]}"

    asyncio.run(check())


def test_a_corrupted_data_file_is_refused_at_start(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    import subprocess

    data = tmp_path / "data0"
    extra = {i: ["--data-dir", str(tmp_path / f"data{i}")] for i in range(3)}
    cluster = make_cluster(extra_args=extra)
    cluster.start()

    async def write() -> None:
        async with Client(cluster.addresses(), timeout=10) as client:
            for k in range(20):
                await client.submit(b"before-%d" % k)

    asyncio.run(write())
    cluster.stop()
    (db,) = data.glob("*.db")
    raw = bytearray(db.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 64] = bytes(b ^ 0xFF for b in raw[middle : middle + 64])
    db.write_bytes(bytes(raw))
    result = subprocess.run(
        cluster.nodes[0].args, capture_output=True, text=True, timeout=30, cwd=str(tmp_path)
    )
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "corrupt" in message.lower() and str(db) in message, message
    assert "Traceback" not in message, message


def test_a_node_killed_for_100k_writes_catches_up_by_snapshot_and_suffix(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    extra = {
        i: ["--data-dir", str(tmp_path / f"data{i}"), "--snapshot-every", "16"] for i in range(3)
    }
    cluster = make_cluster(extra_args=extra)
    cluster.start()

    async def write(total: int, tag: str, *nodes: int) -> None:
        async with Client(cluster.addresses(*nodes), timeout=30) as client:
            for start in range(0, total, 2000):
                await asyncio.gather(
                    *(client.submit(f"{tag}{k}".encode()) for k in range(start, start + 2000))
                )

    asyncio.run(write(2000, "a", 0, 1, 2))
    cluster.kill(2, signal.SIGKILL)
    asyncio.run(write(100_000, "b", 0, 1))
    before = len(cluster.nodes[2].log())
    cluster.start(2)
    # Its peers compacted far past it: it installs a snapshot, then takes the suffix.
    cluster.wait_for_log(2, "installed a snapshot from a peer", timeout=30, start=before)

    async def check() -> None:
        statuses = await wait_converged(cluster.addresses(), timeout=60)
        assert len({s["log_hash"] for s in statuses}) == 1
        assert len({s["machine_hash"] for s in statuses}) == 1
        async with Client(cluster.addresses(2), timeout=30) as client:
            log = json.loads(await client.submit(b"dump"))
        assert len(log) == len(set(log)) == 102_000
        # Disk stays bounded: the compacted store holds far fewer records than slots.
        for i in range(3):
            (db,) = (tmp_path / f"data{i}").glob("*.db")
            assert db.stat().st_size < 64 * 1024 * 1024

    asyncio.run(check())
