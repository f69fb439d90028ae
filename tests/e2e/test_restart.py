"""kill -9 the whole cluster under write load, restart it from disk, lose nothing.

Rounds: ``RESTART_ROUNDS`` (default 3; ``make soak-restart`` runs 20).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
from collections.abc import Callable, Iterable
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


CASES = [pytest.param("always", r, id=f"always-{r}") for r in range(ROUNDS)] + [
    pytest.param("batch", 0, id="batch"),
    pytest.param("off", 0, id="off"),
]


@pytest.mark.parametrize(("durability", "round_"), CASES)
def test_kill_9_all_nodes_and_restart_loses_no_acknowledged_write(
    durability: str, round_: int, make_cluster: MakeCluster, tmp_path: Path
) -> None:
    """In ``batch``/``off`` the nodes restart knowing the OS kept every append (same
    boot), so they resume instead of abstaining, and the cluster serves (ADR 0010)."""
    rng = random.Random(round_)
    extra = {
        i: ["--data-dir", str(tmp_path / f"data{i}"), "--durability", durability] for i in range(3)
    }
    cluster = make_cluster(extra_args=extra)
    cluster.start()
    acked = _load_then_kill(cluster, f"r{round_}", rng.uniform(0.3, 1.5), range(3))
    cluster.start()
    _check_after_restart(cluster, acked)
    for i in range(3):
        assert "may have lost records" not in cluster.nodes[i].log()


def test_a_node_whose_machine_rebooted_abstains_then_catches_up(
    make_cluster: MakeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``off``: kill -9 one node under load and restart it as after a power loss (another
    boot id): it may have lost its unsynced tail, so it stays silent up to its reserved
    mark, learns those slots from its peers, and ends with the same state."""
    extra = {i: ["--data-dir", str(tmp_path / f"data{i}"), "--durability", "off"] for i in range(3)}
    cluster = make_cluster(extra_args=extra)
    cluster.start()
    acked = _load_then_kill(cluster, "p", 0.8, [2])
    monkeypatch.setenv("RABIA_BOOT_ID", "a-boot-after-the-power-loss")
    cluster.start(2)
    cluster.wait_for_log(2, "may have lost records", timeout=10)
    _check_after_restart(cluster, acked)


def _load_then_kill(
    cluster: ProcessCluster, tag: str, after: float, victims: Iterable[int]
) -> list[str]:
    """Write from every node, kill -9 ``victims`` after ``after`` s; the acknowledged writes."""
    acked: list[str] = []

    async def run() -> None:
        stop = asyncio.Event()
        writers = [
            asyncio.create_task(_writer(a, f"{tag}-n{i}", acked, stop))
            for i, a in enumerate(cluster.addresses())
        ]
        await asyncio.sleep(after)  # a moment under load
        for i in victims:
            cluster.kill(i, signal.SIGKILL)
        stop.set()
        await asyncio.gather(*writers)

    asyncio.run(run())
    assert acked, "no write was acknowledged before the kill"
    return acked


def _check_after_restart(cluster: ProcessCluster, acked: list[str]) -> None:
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
