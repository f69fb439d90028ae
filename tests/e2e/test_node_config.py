"""`rabia node --config node.toml`: a cluster of processes started from TOML files, the
command line on top (reading the file, without processes: tests/cli/test_node.py)."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable
from pathlib import Path

from rabia.client import Client
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.e2e.conftest import APPEND_LOG, wait_converged

MakeCluster = Callable[..., ProcessCluster]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_cluster_started_from_config_files_with_a_command_line_override(
    make_cluster: MakeCluster, tmp_path: Path
) -> None:
    ports = free_ports(10)
    peer, client, metrics = ports[:3], ports[3:6], ports[6:9]
    (tmp_path / "secret").write_text("s3cret\n")
    peers = "\n".join(f'{i} = "127.0.0.1:{peer[i]}"' for i in range(3))
    secrets = ['secret = "s3cret"', 'secret_file = "secret"', 'secret = "not the secret"']
    configs = {}
    for i in range(3):
        configs[i] = write(
            tmp_path / f"node{i}.toml",
            f"""# node {i}
id = {i}
machine = "{APPEND_LOG}"
client = "127.0.0.1:{client[i]}"
metrics = "127.0.0.1:{metrics[i] if i < 2 else ports[9]}"
data_dir = "data{i}"
durability = "batch"
flush_ms = 5
snapshot_every = 64
cluster_id = "ops-test"
log_level = "INFO"
{secrets[i]}

[peers]
{peers}
""",
        )
    # Node 2's file has the wrong secret and another metrics port: the command line wins.
    override = ["--secret-file", str(tmp_path / "secret"), "--metrics", f"127.0.0.1:{metrics[2]}"]
    cluster = make_cluster(ports=peer + client, configs=configs, extra_args={2: override})
    cluster.start()
    assert f"ready node=2 peers=127.0.0.1:{peer[2]}" in cluster.nodes[2].log()
    assert f"metrics=127.0.0.1:{metrics[2]}" in cluster.nodes[2].log()

    async def run() -> None:
        async with Client(cluster.addresses(), secret=b"s3cret") as c:
            for k in range(10):
                await c.submit(b"k%d" % k)
        # node 2 too: its secret is right
        statuses = await wait_converged(cluster.addresses(), secret=b"s3cret")
        assert len({s["log_hash"] for s in statuses}) == 1

    asyncio.run(run())
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics[2]}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    assert 'cluster_id="ops-test"' in text and 'durability="batch"' in text
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("data")) == [
        "data0",
        "data1",
        "data2",
    ]  # relative data_dir: next to the file
