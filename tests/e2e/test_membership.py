"""Grow a live cluster 3 -> 5 and shrink it 5 -> 3 under write load."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable

from rabia.client import Client
from rabia.errors import RabiaError
from tests.e2e.cluster import ProcessCluster
from tests.e2e.conftest import wait_converged
from tests.support import poll_until

MakeCluster = Callable[..., ProcessCluster]
SECRET = b"membership changes need it"
"""The clusters' secret: a client port takes membership changes only from clients that
proved it (issue 15)."""


def test_grow_and_shrink_under_load(make_cluster: MakeCluster) -> None:
    first = [0, 1, 2]
    cluster = make_cluster(
        n=5,
        members_of={0: first, 1: first, 2: first, 3: [*first, 3], 4: [*first, 3, 4]},
        extra_args={i: ["--join", "--initial", "0,1,2"] for i in (3, 4)},
        secret=SECRET,
    )
    cluster.start(0, 1, 2)
    acked: list[str] = []
    retryable: list[str] = []

    async def writer(index: int, stop: asyncio.Event) -> None:
        async with Client(cluster.addresses(0, 1, 2), timeout=5, secret=SECRET) as client:
            k = 0
            while not stop.is_set():
                entry = f"w{index}-{k}"
                k += 1
                try:
                    await client.submit(entry.encode())
                    acked.append(entry)
                except RabiaError as exc:
                    assert exc.may_have_applied, exc  # only documented retryable errors
                    retryable.append(entry)

    async def change(add: list[tuple[int, str]], remove: list[int]) -> list[int]:
        async with Client(cluster.addresses(0, 1, 2), timeout=10, secret=SECRET) as admin:
            return await admin.reconfigure(add, remove)

    async def main() -> None:
        stop = asyncio.Event()
        writers = [asyncio.create_task(writer(i, stop)) for i in range(3)]
        try:
            for new in (3, 4):
                await asyncio.to_thread(cluster.start, new)
                members = await change([(new, f"127.0.0.1:{cluster.nodes[new].peer_port}")], [])
                assert members == list(range(new + 1))
            for address in cluster.addresses():  # every node, the joiners too, knows all five
                async with Client([address], timeout=10, secret=SECRET) as probe:
                    status = await poll_until(
                        probe.status, lambda s: s["members"] == "0,1,2,3,4", timeout=30
                    )
                    assert status["epoch"] == 2
            for gone in (4, 3):
                members = await change([], [gone])
                assert gone not in members
        finally:
            stop.set()
            await asyncio.gather(*writers)
        statuses = await wait_converged(cluster.addresses(0, 1, 2), timeout=30, secret=SECRET)
        assert len({s["log_hash"] for s in statuses}) == 1
        assert all(s["members"] == "0,1,2" for s in statuses), statuses
        async with Client(cluster.addresses(0), secret=SECRET) as client:
            log = json.loads(await client.submit(b"dump"))
        assert len(log) == len(set(log)), "a write was applied twice"
        assert not set(acked) - set(log), "an acknowledged write was lost"
        assert set(log) - {"dump"} <= set(acked) | set(retryable)
        assert len(acked) > 50

    asyncio.run(main())


def test_a_corrupted_node_is_reseeded_from_its_peers_under_a_new_id(
    make_cluster: MakeCluster, tmp_path: object
) -> None:
    import subprocess
    from pathlib import Path

    tmp = Path(str(tmp_path))
    first = [0, 1, 2]
    data = {i: ["--data-dir", str(tmp / f"data{i}"), "--snapshot-every", "32"] for i in range(4)}
    data[3] += ["--join", "--initial", "0,1,2"]
    cluster = make_cluster(
        n=4,
        members_of={0: first, 1: first, 2: first, 3: [0, 1, 3]},
        extra_args=data,
        secret=SECRET,
    )
    cluster.start(0, 1, 2)

    async def write(tag: str, count: int, *nodes: int) -> None:
        async with Client(cluster.addresses(*nodes), timeout=10, secret=SECRET) as client:
            await asyncio.gather(*(client.submit(f"{tag}{k}".encode()) for k in range(count)))

    asyncio.run(write("a", 500, 0, 1, 2))
    cluster.kill(2, signal.SIGTERM)  # a clean stop folds the WAL into the file...
    (db,) = (tmp / "data2").glob("*.db")
    raw = bytearray(db.read_bytes())  # ...whose middle the disk then damages
    middle = len(raw) // 2
    raw[middle : middle + 64] = bytes(b ^ 0xFF for b in raw[middle : middle + 64])
    db.write_bytes(bytes(raw))
    refused = subprocess.run(cluster.nodes[2].args, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "rejoin" in refused.stdout + refused.stderr
    # The documented way back: a fresh data directory under a new id, joined by the peers.
    asyncio.run(write("b", 500, 0, 1))
    cluster.start(3)

    async def reseed() -> None:
        async with Client(cluster.addresses(0, 1), timeout=15, secret=SECRET) as admin:
            assert await admin.reconfigure([(3, f"127.0.0.1:{cluster.nodes[3].peer_port}")]) == [
                0,
                1,
                2,
                3,
            ]
            assert await admin.reconfigure(remove=[2]) == [0, 1, 3]
        await write("c", 200, 0, 1, 3)
        statuses = await wait_converged(cluster.addresses(0, 1, 3), timeout=30, secret=SECRET)
        assert len({s["log_hash"] for s in statuses}) == 1
        assert len({s["machine_hash"] for s in statuses}) == 1

    asyncio.run(reseed())
