"""Prometheus metrics of one node, served as ``GET /metrics`` from the node's event loop.

``NodeCollector`` turns ``Node.stats()`` and ``Node.storage_stats()`` into metric families
at scrape time; ``metrics_registry`` puts it, with prometheus_client's process metrics, in
a registry of its own (never the global one). ``MetricsServer`` answers HTTP/1.x on the
node's loop, so the node's state is read by the thread that changes it. It is strict and
bounded: one request per connection, a request head of at most ``max_request`` bytes
read within ``read_timeout`` seconds, at most ``max_connections`` at once; anything else
gets an error status and the connection closes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)

from rabia.runtime.node import Node

log = logging.getLogger("rabia.metrics")

COUNTERS: dict[str, tuple[str, str]] = {
    "slots_decided": ("rabia_slots_decided", "Slots this node learned the decision of."),
    "decided_by_votes": (
        "rabia_slots_decided_by_votes",
        "Slots this node decided itself by the binary stage (not learned from a peer).",
    ),
    "fast_path": (
        "rabia_fast_path_slots",
        "Slots this node decided by the binary stage in phase 1 (the fast path).",
    ),
    "null_slots": ("rabia_null_slots", "Decided slots whose value is NULL (no batch)."),
    "phases_total": (
        "rabia_decision_phases",
        "Sum of the deciding phase over the slots decided by votes.",
    ),
    "resends": ("rabia_resends", "Re-sends of protocol messages after slots made no progress."),
    "dropped": (
        "rabia_dropped_messages",
        "Messages ignored as malformed, from non-members, or too far ahead.",
    ),
    "snapshots_taken": (
        "rabia_snapshots_taken",
        "Snapshots this node saved (each compacts the log below it).",
    ),
    "snapshots_installed": (
        "rabia_snapshots_installed",
        "Snapshots received from a peer and installed to catch up.",
    ),
    "barriers": ("rabia_read_barriers", "Read barriers this node sent (restarts included)."),
    "reads_released": (
        "rabia_barrier_reads",
        "Reads answered through a read barrier, without the log (ADR 0017).",
    ),
}
"""``Node.stats()`` keys that only grow while the process lives -> (name, help)."""

GAUGES: dict[str, tuple[str, str]] = {
    "next_slot": ("rabia_next_slot", "The first slot this node has not decided yet."),
    "log_start": (
        "rabia_log_start_slot",
        "The first slot still in the log (earlier slots live in the snapshot).",
    ),
    "max_phase": ("rabia_max_phase", "The highest phase any slot needed to decide."),
    "queued_commands": (
        "rabia_queued_commands",
        "Commands waiting in the batcher to be proposed.",
    ),
    "batches_in_flight": (
        "rabia_batches_in_flight",
        "Batches this node proposed that are not decided yet.",
    ),
    "pending_requests": (
        "rabia_pending_requests",
        "Client requests waiting for their command to be decided and applied here.",
    ),
    "pending_reads": (
        "rabia_pending_reads",
        "Reads waiting for their read barrier at this node.",
    ),
    "connected_peers": ("rabia_connected_peers", "Peers with an authenticated link up."),
    "member_count": ("rabia_members", "Members of the latest configuration this node knows."),
    "quorum_up": (
        "rabia_quorum_up",
        "1 when this node and its connected peers make a quorum of the members, else 0.",
    ),
    "epoch": ("rabia_epoch", "Configuration epoch (grows with every membership change)."),
    "snapshot_slot": (
        "rabia_snapshot_slot",
        "Slot of the latest snapshot saved or installed (absent before the first one).",
    ),
    "snapshot_bytes": (
        "rabia_snapshot_bytes",
        "Size of the latest snapshot (absent before the first one).",
    ),
}
"""``Node.stats()`` keys that go up and down -> (name, help)."""


class NodeCollector:
    """Collects one node's figures at scrape time (a prometheus_client Collector)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def collect(self) -> Iterable[Metric]:
        node = self._node
        stats = node.stats()
        config = node.config
        yield InfoMetricFamily(
            "rabia_node",
            "This node's identity and settings.",
            value={
                "node_id": str(config.node_id),
                "cluster_id": config.cluster_id,
                "durability": config.durability if config.data_dir is not None else "memory",
            },
        )
        yield CounterMetricFamily(
            "rabia_applied_slots",
            "Slots of the log applied to this node's state machine: the applied log's "
            "length (a restarted node continues from what it restored).",
            value=stats["applied_slot"] + 1,
        )
        for key, (name, text) in COUNTERS.items():
            value = stats.get(key)
            if value is not None:
                yield CounterMetricFamily(name, text, value=value)
        for key, (name, text) in GAUGES.items():
            value = stats.get(key)
            if value is not None:
                yield GaugeMetricFamily(name, text, value=value)
        storage = node.storage_stats()
        if storage is not None:
            yield GaugeMetricFamily(
                "rabia_storage_records", "Records held by the data file.", value=storage.records
            )
            yield GaugeMetricFamily(
                "rabia_storage_bytes",
                "Bytes on disk of the data file (with its write-ahead log).",
                value=storage.bytes_on_disk,
            )
            yield CounterMetricFamily(
                "rabia_storage_syncs",
                "Durable commits (fsyncs) of the data file.",
                value=storage.syncs,
            )


def metrics_registry(node: Node) -> CollectorRegistry:
    """A registry of its own with ``node``'s figures and this process's CPU, memory, fds."""
    registry = CollectorRegistry()
    registry.register(NodeCollector(node))
    ProcessCollector(registry=registry)
    return registry


_REQUEST_LINE = re.compile(rb"([A-Z]{1,16}) (/[!-~]*|\*) HTTP/1\.([01])")
_HEADER = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([ -~\t]*?)[ \t]*")


_LINGER_BYTES = 65536
"""What a client may still send after its answer before the connection is cut."""


async def _discard(reader: asyncio.StreamReader, limit: int) -> None:
    """Read and drop input until end of stream or ``limit`` bytes."""
    while limit > 0:
        chunk = await reader.read(min(limit, 16384))
        if not chunk:
            return
        limit -= len(chunk)


class HttpError(Exception):
    """A request answered with an error ``status`` (and no metrics)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class MetricsServer:
    """HTTP/1.x on the event loop: ``GET /metrics`` (and HEAD); nothing else. With
    ``tls``, HTTPS only."""

    def __init__(
        self,
        registry: CollectorRegistry,
        host: str,
        port: int,
        *,
        max_request: int = 8192,
        read_timeout: float = 5.0,
        max_connections: int = 32,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._registry = registry
        self._host = host
        self._port = port
        self._max_request = max_request
        self._read_timeout = read_timeout
        self._max_connections = max_connections
        self._tls = tls
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def start(self) -> None:
        """Bind and accept."""
        self._server = await asyncio.start_server(
            self._handle,
            self._host,
            self._port,
            limit=self._max_request,
            ssl=self._tls,
            ssl_handshake_timeout=self._read_timeout if self._tls is not None else None,
        )

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port)."""
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    async def close(self) -> None:
        """Stop accepting, drop every open connection, wait for its handler; idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in self._connections.values():
            writer.transport.abort()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self._connections) >= self._max_connections or task is None:
            writer.transport.abort()
            return
        self._connections[task] = writer
        try:
            await self._answer(reader, writer)
            # Lingering close: send our FIN after the response, then read and drop what
            # the client still sends (bounded), so closing with unread input does not
            # reset the connection before the client has read its answer.
            if writer.can_write_eof():
                writer.write_eof()
            await asyncio.wait_for(_discard(reader, _LINGER_BYTES), self._read_timeout)
        except (ConnectionError, TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            log.debug("metrics connection ended early: %r", exc)
        finally:
            del self._connections[task]
            writer.transport.abort()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request head (bounded in size and time) and write one response."""
        head = b""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self._read_timeout)
            status, headers, body = self._respond(head)
        except HttpError as exc:
            status, headers, body = exc.status, [], exc.status.encode() + b"\n"
        except asyncio.LimitOverrunError:
            status, headers, body = "431 Request Header Fields Too Large", [], b"too large\n"
        except TimeoutError:
            status, headers, body = "408 Request Timeout", [], b"too slow\n"
        response = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}"]
        response += ["Connection: close", "", ""]
        writer.write("\r\n".join(response).encode("ascii"))
        if not head.startswith(b"HEAD "):
            writer.write(body)
        await asyncio.wait_for(writer.drain(), self._read_timeout)

    def _respond(self, head: bytes) -> tuple[str, list[str], bytes]:
        """Parse a request head (through its blank line); the response to it."""
        lines = head[:-4].split(b"\r\n")
        request = _REQUEST_LINE.fullmatch(lines[0])
        if request is None:
            raise HttpError("400 Bad Request")
        names: set[bytes] = set()
        for line in lines[1:]:
            header = _HEADER.fullmatch(line)
            if header is None:
                raise HttpError("400 Bad Request")
            name, value = header.group(1).lower(), header.group(2)
            if name in (b"transfer-encoding", b"content-length") and value != b"0":
                raise HttpError("400 Bad Request")  # a body this server would not read
            names.add(name)
        method, target, minor = request.groups()
        if minor == b"1" and b"host" not in names:
            raise HttpError("400 Bad Request")  # RFC 9112: HTTP/1.1 requires Host
        if target.partition(b"?")[0] != b"/metrics":
            raise HttpError("404 Not Found")
        if method not in (b"GET", b"HEAD"):
            return "405 Method Not Allowed", ["Allow: GET, HEAD"], b"405 Method Not Allowed\n"
        try:
            body = generate_latest(self._registry)
        except Exception:
            log.exception("collecting metrics failed")
            raise HttpError("500 Internal Server Error") from None
        return "200 OK", [f"Content-Type: {CONTENT_TYPE_LATEST}"], body
