"""The metrics collector and its HTTP server, in process (edge cases of the HTTP side)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rabia.runtime import Node, NodeConfig
from rabia.runtime.metrics import MetricsServer, metrics_registry
from rabia.transport.memory import MemoryNetwork, MemoryTransport
from rabia.transport.tls import ServerTls
from tests.runtime.test_node import MEMBERS, Log, run_cluster
from tests.support import poll_until


def samples(text: str) -> dict[str, float]:
    """Sample name -> value of an exposition (names are unique here: no labels but info)."""
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}


async def request(address: tuple[str, int], data: bytes, *, eof: bool = True) -> bytes:
    """Send ``data`` and read the whole answer (the server always closes)."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(data)
        if eof:
            writer.write_eof()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()


GET = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"


def with_server(
    body: Callable[[list[Node], MetricsServer], Awaitable[None]], **server_kw: object
) -> None:
    async def run(nodes: list[Node], network: MemoryNetwork) -> None:
        server = MetricsServer(metrics_registry(nodes[0]), "127.0.0.1", 0, **server_kw)  # type: ignore[arg-type]
        await server.start()
        try:
            await body(nodes, server)
        finally:
            await server.close()

    run_cluster(run)


def status_of(answer: bytes) -> bytes:
    return answer.split(b"\r\n", 1)[0]


def test_scrape_reports_the_node_and_counts_applied_slots() -> None:
    async def body(nodes: list[Node], server: MetricsServer) -> None:
        await nodes[0].wait_for_quorum()
        first = await request(server.address, GET)
        assert status_of(first) == b"HTTP/1.1 200 OK"
        head, _, text = first.partition(b"\r\n\r\n")
        assert b"Content-Type: text/plain; version=" in head
        assert f"Content-Length: {len(text)}".encode() in head
        before = samples(text.decode())
        for k in range(5):
            await nodes[k % 3].submit(b"x%d" % k)
        after = samples((await request(server.address, GET)).partition(b"\r\n\r\n")[2].decode())
        assert after["rabia_applied_slots_total"] >= before["rabia_applied_slots_total"] + 1
        assert after["rabia_slots_decided_total"] >= after["rabia_applied_slots_total"]
        assert after["rabia_members"] == 3
        assert after["rabia_connected_peers"] == 2
        assert after["rabia_quorum_up"] == 1
        assert after["rabia_pending_requests"] == 0
        assert after["rabia_node_info"] == 1
        assert "process_cpu_seconds_total" in after  # the process collector, own registry
        families = {f.name: f for f in text_string_to_metric_families(text.decode())}
        assert families["rabia_applied_slots"].type == "counter"
        assert families["rabia_next_slot"].type == "gauge"
        assert all(f.documentation for f in families.values())
        info = families["rabia_node_info"].samples[0].labels
        assert info == {"node_id": "0", "cluster_id": "rabia", "durability": "memory"}

    with_server(body)


def test_storage_and_snapshot_figures_of_an_on_disk_node(tmp_path: Path) -> None:
    async def main() -> None:
        members = {0: MEMBERS[0]}
        config = NodeConfig(0, members, data_dir=tmp_path, snapshot_every=4, durability="batch")
        node = Node(config, Log(), transport=MemoryTransport(MemoryNetwork(), 0, members))
        await node.start()
        server = MetricsServer(metrics_registry(node), "127.0.0.1", 0)
        await server.start()
        try:
            for k in range(10):
                await node.submit(b"%d" % k)
            answer = await request(server.address, GET)
            got = samples(answer.partition(b"\r\n\r\n")[2].decode())
            assert got["rabia_snapshots_taken_total"] >= 1
            assert got["rabia_snapshot_slot"] >= 4
            assert got["rabia_snapshot_bytes"] > 0
            # The log is kept from the previous snapshot on (ADR 0011).
            if got["rabia_snapshots_taken_total"] >= 2:
                assert 4 <= got["rabia_log_start_slot"] < got["rabia_snapshot_slot"]
            else:
                assert got["rabia_log_start_slot"] == got["rabia_snapshot_slot"]
            assert got["rabia_storage_bytes"] > 0
            assert got["rabia_storage_records"] > 0
            assert got["rabia_storage_syncs_total"] > 0
            assert 'durability="batch"' in answer.decode()
        finally:
            await server.close()
            await node.stop()

    asyncio.run(main())


def test_errors_for_everything_but_get_metrics_and_the_server_keeps_serving() -> None:
    async def body(nodes: list[Node], server: MetricsServer) -> None:
        address = server.address
        cases = {
            b"garbage\r\n\r\n": b"400",
            b"\x00\xff\x16\x03\x01\r\n\r\n": b"400",
            b"get /metrics HTTP/1.1\r\nHost: x\r\n\r\n": b"400",  # methods are case-sensitive
            b"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n": b"400",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n": b"400",
            b"GET /metrics HTTP/1.1\r\n\r\n": b"400",  # HTTP/1.1 without Host
            b"GET /metrics HTTP/1.1\r\nHost x\r\n\r\n": b"400",  # not a header
            b"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n": b"400",
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello": b"400",
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n": b"400",
            b"GET /metrics  HTTP/1.1\r\nHost: x\r\n\r\n": b"400",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n": b"404",
            b"GET /metricsx HTTP/1.0\r\n\r\n": b"404",
            b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n": b"405",
            b"GET /metrics?x=1 HTTP/1.0\r\n\r\n": b"200",
            b"GET /metrics HTTP/1.0\r\n\r\n": b"200",
        }
        for data, code in cases.items():
            answer = await request(address, data)
            assert status_of(answer).split(b" ")[1] == code, (data, answer[:200])
            assert b"Connection: close" in answer
        head = await request(address, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(head) == b"HTTP/1.1 200 OK" and head.endswith(b"\r\n\r\n")
        assert await request(address, b"") == b""  # connected, said nothing, left
        assert status_of(await request(address, GET)) == b"HTTP/1.1 200 OK"

    with_server(body)


def code_of(answer: bytes) -> bytes:
    return status_of(answer).split(b" ")[1]


def test_oversized_and_slow_requests_get_errors() -> None:
    async def body(nodes: list[Node], server: MetricsServer) -> None:
        address = server.address
        big = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 5000 + b"\r\n\r\n"
        assert status_of(await request(address, big)).endswith(
            b"431 Request Header Fields Too Large"
        )
        endless = b"GET /metrics HTTP/1.1\r\n" + b"X: y\r\n" * 8000
        assert code_of(await request(address, endless, eof=False)) == b"431"
        # Half a request, then nothing: answered 408 once read_timeout has passed.
        assert code_of(await request(address, b"GET /met", eof=False)) == b"408"
        assert code_of(await request(address, b"GET /metrics HTTP/1.0\n\n", eof=False)) == b"408"
        assert code_of(await request(address, GET)) == b"200"

    with_server(body, max_request=4096, read_timeout=0.3)


async def held(server: MetricsServer, count: int) -> None:
    await poll_until(
        lambda: asyncio.sleep(0, len(server._connections)),
        lambda n: n == count,
        timeout=5,
        what=f"{count} connections held",
    )


def test_surplus_connections_are_dropped_and_close_drops_open_ones() -> None:
    async def body(nodes: list[Node], server: MetricsServer) -> None:
        address = server.address
        idle = [await asyncio.open_connection(*address) for _ in range(2)]
        await held(server, 2)
        reader, writer = await asyncio.open_connection(*address)  # a third: dropped unanswered
        writer.write(GET)
        with contextlib.suppress(ConnectionResetError):  # or a reset: either way, no answer
            assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
        for reader, writer in idle:  # the idle ones get 408 after read_timeout
            assert code_of(await asyncio.wait_for(reader.read(), 10)) == b"408"
            writer.close()
        await held(server, 0)
        assert code_of(await request(address, GET)) == b"200"
        reader, writer = await asyncio.open_connection(*address)
        await held(server, 1)
        await server.close()  # drops the open connection; nothing lingers (run_cluster checks)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()

    with_server(body, read_timeout=2.0, max_connections=2)


def test_with_tls_metrics_are_served_over_https_only(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(tmp_path / "m.pem")
    leaf.private_key_pem.write_to_path(tmp_path / "m.key")
    client = ssl.create_default_context()
    ca.configure_trust(client)

    async def body(nodes: list[Node], server: MetricsServer) -> None:
        reader, writer = await asyncio.open_connection(*server.address, ssl=client)
        writer.write(GET)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        assert status_of(answer) == b"HTTP/1.1 200 OK", answer[:200]
        assert b"rabia_applied_slots_total" in answer
        plain = await request(server.address, GET)  # no TLS: no answer at all
        assert not plain.startswith(b"HTTP/"), plain[:200]

    tls = ServerTls(tmp_path / "m.pem", tmp_path / "m.key").context()
    with_server(body, tls=tls)
