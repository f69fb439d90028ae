"""`rabia up`: a local Redis-speaking cluster that stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from rabia.cli.up import free_port_base
from rabia.client import Client
from rabia.errors import AuthenticationFailed
from tests.e2e.cluster import ROOT


@pytest.mark.parametrize("reads", ["log", "default"])
def test_rabia_up_serves_redis_and_stops_on_sigterm(reads: str, tmp_path: Path) -> None:
    """``--reads log``, and the default (barrier reads, ADR 0017)."""
    base = free_port_base(3, 21000 + (os.getpid() % 400) * 10)
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rabia",
            "up",
            "--resp-port",
            str(base),
            "--data-dir",
            str(tmp_path),
            *(["--reads", reads] if reads != "default" else []),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    watchdog = threading.Timer(90, up.kill)  # a hung start fails the test, never the run
    watchdog.start()
    try:
        assert up.stdout is not None
        lines = []
        deadline = time.monotonic() + 30
        for line in up.stdout:  # blocks until the next line; bounded by the process itself
            lines.append(line)
            if line.startswith("ready"):
                break
            assert time.monotonic() < deadline, lines
        assert any(f"redis://127.0.0.1:{base}" in line for line in lines), lines
        metrics = f"http://127.0.0.1:{base + 3002}/metrics"
        assert any(metrics in line for line in lines), lines
        clients = [redis.Redis(port=base + i) for i in range(3)]
        assert clients[0].set("hello", "world")
        assert [c.get("hello") for c in clients] == [b"world"] * 3
        pipe = clients[2].pipeline(transaction=False)
        assert pipe.set("n", 1).get("n").incr("n").get("n").execute() == [True, b"1", 2, b"2"]
        with urllib.request.urlopen(metrics, timeout=10) as answer:
            families = text_string_to_metric_families(answer.read().decode())
            applied = {s.name: s.value for f in families for s in f.samples}
        assert applied["rabia_applied_slots_total"] >= 1  # node 2 applied the SET it read back
        barrier_reads = applied["rabia_barrier_reads_total"]
        assert barrier_reads == 0 if reads == "log" else barrier_reads >= 3, barrier_reads
        secret = tmp_path / "cluster.secret"  # made by rabia up, proved by every client
        assert secret.stat().st_mode & 0o777 == 0o600
        assert asyncio.run(_client_port(f"127.0.0.1:{base + 2001}", secret.read_bytes().strip()))
        up.send_signal(signal.SIGTERM)
        rest = up.communicate(timeout=30)[0]
        assert up.returncode == 0 and "stopped" in rest, rest
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "cluster.secret",
            *("node0", "node1", "node2"),
        ]
    finally:
        watchdog.cancel()
        if up.poll() is None:
            up.kill()  # its nodes get SIGTERM from the kernel (parent-death signal)
            up.wait(timeout=10)


async def _client_port(address: str, secret: bytes) -> bool:
    """The node's client port serves a client proving ``secret`` and refuses one without."""
    with pytest.raises(AuthenticationFailed, match="asks for the cluster secret"):
        async with Client([address], connect_timeout=10) as outsider:
            await outsider.status()
    async with Client([address], connect_timeout=10, secret=secret) as client:
        return (await client.status())["running"] == 1
