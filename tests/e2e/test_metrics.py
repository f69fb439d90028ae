"""`rabia node --metrics`: Prometheus scrapes of real node processes on loopback."""

from __future__ import annotations

import asyncio
import socket
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rabia.client import Client
from tests.e2e.cluster import ProcessCluster, free_ports
from tests.support import poll_until

MakeCluster = Callable[..., ProcessCluster]


def scrape(port: int) -> dict[str, float]:
    """GET /metrics as Prometheus would; sample name -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        text = answer.read().decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}


def raw(port: int, data: bytes) -> bytes:
    """Send bytes to the metrics port; the whole answer (the server closes after one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_applied_slots_grow_on_every_node_and_bad_requests_do_no_harm(
    make_cluster: MakeCluster,
) -> None:
    ports = free_ports(9)  # peer and client ports, then metrics ports: one call, no clash
    metrics = ports[6:]
    cluster = make_cluster(
        ports=ports[:6], extra_args={i: ["--metrics", f"127.0.0.1:{metrics[i]}"] for i in range(3)}
    )
    cluster.start()
    assert f"metrics=127.0.0.1:{metrics[0]}" in cluster.nodes[0].log()

    async def main() -> None:
        async def all_scrapes() -> list[dict[str, float]]:
            return [await asyncio.to_thread(scrape, port) for port in metrics]

        before = await poll_until(
            all_scrapes,
            lambda ss: all(
                s["rabia_quorum_up"] == 1 and s["rabia_connected_peers"] == 2 for s in ss
            ),
            timeout=15,
            what="every node connected to its peers",
        )
        for s in before:
            assert s["rabia_members"] == 3 and s["rabia_pending_requests"] == 0
            assert s["process_resident_memory_bytes"] > 0
        async with Client(cluster.addresses()) as client:
            for k in range(20):
                await client.submit(b"w%d" % k)
        floor = [s["rabia_applied_slots_total"] + 1 for s in before]
        await poll_until(
            all_scrapes,
            lambda ss: all(
                s["rabia_applied_slots_total"] >= f for s, f in zip(ss, floor, strict=True)
            ),
            timeout=15,
            what="applied slots grown on every node",
        )

    asyncio.run(main())

    port = metrics[0]
    assert raw(port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert raw(port, b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 404 ")
    huge = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20_000 + b"\r\n\r\n"
    assert raw(port, huge).startswith(b"HTTP/1.1 431 ")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
    assert missing.value.code == 404
    missing.value.close()
    assert scrape(port)["rabia_applied_slots_total"] >= 1  # still serving metrics

    async def still_writes() -> None:
        async with Client(cluster.addresses(0)) as client:
            await client.submit(b"after")

    asyncio.run(still_writes())
    assert cluster.alive(0)
