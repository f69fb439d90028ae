"""Real ``rabia node`` processes of the KV store, every peer link through its own proxy.

Node ``i`` dials node ``j`` through ``links[(i, j)]`` (a ``LinkProxy``), and since a
node only sends on the links it dials, each proxy carries exactly one direction of
traffic: cutting ``(i, j)`` silences ``i`` towards ``j`` and nothing else. Nodes keep
their data on disk (``--durability always`` unless told otherwise), answer Redis on
their RESP port, report status and hashes on their client port, and read their clock
offset from a file the harness writes (``RABIA_CLOCK_FILE``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rabia.client import Client
from rabia.errors import RabiaError
from rabia.kv.reads import DEFAULT_READS
from rabia.testing.proxy import LinkProxy

HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
Status = dict[str, int | float | str | None]


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out (bound together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _die_with_parent() -> None:
    """In the child, before exec: get SIGKILL if the harness dies (Linux only)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class NodeProcess:
    """One node's ports, files and (current) process."""

    node_id: int
    peer_port: int
    client_port: int
    resp_port: int
    data_dir: Path
    log_path: Path
    clock_file: Path
    process: subprocess.Popen[bytes] | None = None
    paused: bool = False
    killed: bool = False
    """Whether the harness killed the current process (else a death is a crash)."""
    starts: int = 0

    @property
    def alive(self) -> bool:
        """True while the process runs (paused included)."""
        return self.process is not None and self.process.poll() is None


class NemesisCluster:
    """n KV nodes under test, each link behind a proxy; every method runs in one loop."""

    def __init__(
        self,
        directory: Path,
        n: int = 3,
        *,
        seed: int = 0,
        snapshot_every: int = 4096,
        env: Mapping[str, str] | None = None,
        durability: str = "always",
        reads: str = DEFAULT_READS,
    ) -> None:
        self.directory = directory
        self.durability = durability
        self.reads = reads
        self.n = n
        self.seed = seed
        self.snapshot_every = snapshot_every
        self.env = dict(env or {})
        ports = free_ports(3 * n + n * (n - 1))
        self.nodes = [
            NodeProcess(
                i,
                ports[i],
                ports[n + i],
                ports[2 * n + i],
                directory / "data" / f"node{i}",
                directory / f"node{i}.log",
                directory / f"clock{i}",
            )
            for i in range(n)
        ]
        proxy_ports = iter(ports[3 * n :])
        self.links = {
            (i, j): LinkProxy((HOST, next(proxy_ports)), (HOST, self.nodes[j].peer_port))
            for i in range(n)
            for j in range(n)
            if i != j
        }
        self._logs: dict[int, IO[bytes]] = {}
        self.crashes: list[str] = []
        """Nodes that died without the harness killing them (each one a finding)."""

    # ------------------------------------------------------------------ addresses
    @property
    def resp_addresses(self) -> list[tuple[str, int]]:
        """(host, port) of every node's Redis port."""
        return [(HOST, node.resp_port) for node in self.nodes]

    @property
    def client_addresses(self) -> list[str]:
        """``host:port`` of every node's client port."""
        return [f"{HOST}:{node.client_port}" for node in self.nodes]

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Start every proxy, then every node; return once all are ready."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for link in self.links.values():
            await link.start()
        await asyncio.gather(*(self.start_node(i) for i in range(self.n)))

    async def start_node(self, i: int) -> None:
        """Start node ``i`` (again) from its data directory and wait until it is ready."""
        node = self.nodes[i]
        if node.alive:
            return
        node.data_dir.mkdir(parents=True, exist_ok=True)
        offset = node.log_path.stat().st_size if node.log_path.exists() else 0
        log = self._logs.get(i)
        if log is None:
            log = self._logs[i] = node.log_path.open("ab")
        args = [sys.executable, "-m", "rabia", "node", "--id", str(i)]
        for j, other in enumerate(self.nodes):
            port = other.peer_port if j == i else self.links[(i, j)].address[1]
            args += ["--peer", f"{j}={HOST}:{port}"]
        args += [
            *("--client", f"{HOST}:{node.client_port}", "--resp", f"{HOST}:{node.resp_port}"),
            *("--machine", "rabia.kv:KVMachine", "--data-dir", str(node.data_dir)),
            *("--durability", self.durability, "--seed", str(self.seed)),
            *("--snapshot-every", str(self.snapshot_every), "--reads", self.reads),
        ]
        env = {
            **os.environ,
            **self.env,
            "PYTHONUNBUFFERED": "1",
            "RABIA_CLOCK_FILE": str(node.clock_file),
        }
        log.write(f"=== harness: start {node.starts} of node {i}\n".encode())
        log.flush()
        node.process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent,  # the loop thread: PDEATHSIG follows the thread
        )
        node.starts += 1
        node.paused = node.killed = False
        await self._wait_ready(node, offset)

    async def _wait_ready(self, node: NodeProcess, offset: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT
        while True:
            with node.log_path.open("rb") as log:
                log.seek(offset)
                if b"ready node=" in log.read():
                    return
            if not node.alive:
                raise RuntimeError(f"node {node.node_id} exited at start; see {node.log_path}")
            if loop.time() >= deadline:
                raise RuntimeError(f"node {node.node_id} not ready in {READY_TIMEOUT}s")
            await asyncio.sleep(0.05)

    def kill(self, i: int) -> None:
        """``kill -9`` node ``i`` (a paused node too) and reap it."""
        node = self.nodes[i]
        if node.process is not None and node.alive:
            node.process.kill()
            node.process.wait(timeout=10)
            node.paused = False
            node.killed = True

    def pause(self, i: int) -> None:
        """SIGSTOP node ``i``."""
        node = self.nodes[i]
        if node.process is not None and node.alive and not node.paused:
            node.process.send_signal(signal.SIGSTOP)
            node.paused = True

    def resume(self, i: int) -> None:
        """SIGCONT node ``i``."""
        node = self.nodes[i]
        if node.process is not None and node.alive and node.paused:
            node.process.send_signal(signal.SIGCONT)
            node.paused = False

    def set_clock(self, i: int, offset_ms: float) -> None:
        """Jump node ``i``'s proposal clock to wall time + ``offset_ms`` (atomically)."""
        path = self.nodes[i].clock_file
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"{offset_ms}\n")
        tmp.replace(path)

    def note_crashes(self) -> None:
        """Add the nodes that died on their own since they last started to ``crashes``."""
        for node in self.nodes:
            process = node.process
            if process is not None and process.poll() is not None and not node.killed:
                self.crashes.append(f"node {node.node_id} exited with code {process.returncode}")
                node.killed = True  # noted once

    # ---------------------------------------------------------------------- links
    def cut(self, src: int, dst: int) -> None:
        """Silence ``src`` towards ``dst``."""
        self.links[(src, dst)].cut()

    def isolate(self, groups: list[set[int]]) -> None:
        """Cut every link between different groups (both directions)."""
        side = {i: k for k, group in enumerate(groups) for i in group}
        for (i, j), link in self.links.items():
            if side.get(i) != side.get(j):
                link.cut()

    def heal_links(self) -> None:
        """Restore every link and remove every delay."""
        for link in self.links.values():
            link.restore()
            link.set_delay(0)

    async def heal(self) -> None:
        """Undo every fault: links, clocks, paused and dead nodes."""
        self.heal_links()
        for i, node in enumerate(self.nodes):
            if node.clock_file.exists():
                self.set_clock(i, 0)
            self.resume(i)
        self.note_crashes()
        dead = [i for i, node in enumerate(self.nodes) if not node.alive]
        await asyncio.gather(*(self.start_node(i) for i in dead))

    async def stop(self) -> None:
        """Terminate every node (SIGCONT first), then close the proxies."""
        self.note_crashes()
        for i, node in enumerate(self.nodes):
            self.resume(i)
            if node.process is not None and node.alive:
                node.process.terminate()
        for node in self.nodes:
            if node.process is not None:
                try:
                    await asyncio.to_thread(node.process.wait, 15)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait(timeout=10)
        for log in self._logs.values():
            log.close()
        self._logs.clear()
        for link in self.links.values():
            await link.close()

    # --------------------------------------------------------------------- status
    async def statuses(self, timeout: float = 5.0) -> list[Status | None]:
        """Every node's status (hashes included) from its client port; None if silent."""

        async def one(address: str) -> Status | None:
            with contextlib.suppress(RabiaError, OSError, TimeoutError):
                async with Client([address], timeout=timeout, connect_timeout=timeout) as c:
                    return await c.status(timeout=timeout)
            return None

        return list(await asyncio.gather(*(one(a) for a in self.client_addresses)))
