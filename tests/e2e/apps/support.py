"""What the application suites share: whether scripts run, a 3-process cluster whose
nodes can be killed and restarted, application processes (workers) run as subprocesses
with bounded waits, and reading back at every node."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import redis

from rabia.kv.commands.table import COMMANDS
from tests.e2e.cluster import ROOT, ProcessCluster, free_ports

T = TypeVar("T")

KV = "rabia.kv:KVMachine"
WAIT = 30.0
"""Seconds any single wait of these suites may take before the test fails."""


SCRIPTING = {b"eval", b"evalsha", b"script"} <= COMMANDS.keys()
"""Whether the KV store runs Lua scripts (EVAL, EVALSHA, SCRIPT are in its table)."""


def needs_scripting(what: str) -> pytest.MarkDecorator:
    """Skips a test until the KV store runs Lua scripts (``what`` needs them)."""
    reason = f"needs Lua scripting (EVAL/EVALSHA/SCRIPT, not in the command table yet): {what}"
    return pytest.mark.skipif(not SCRIPTING, reason=reason)


def url(port: int) -> str:
    """A redis:// URL for the node at ``port`` (database 0)."""
    return f"redis://127.0.0.1:{port}/0"


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], what: str) -> T:
    """Call ``probe`` until ``done(result)`` (every 50 ms); fail after ``WAIT`` seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {WAIT}s; last: {result!r}")
        time.sleep(0.05)


def at_every_node(ports: Sequence[int], read: Callable[[redis.Redis], T]) -> list[T]:
    """``read`` with a fresh client of each node, in node order."""
    out = []
    for port in ports:
        client = redis.Redis(port=port, socket_timeout=WAIT)
        try:
            out.append(read(client))
        finally:
            client.close()
    return out


class KillableCluster:
    """Three ``rabia node`` processes (Redis ports ``ports``) whose nodes can be killed
    with SIGKILL and restarted on their data."""

    def __init__(self, tmp: Path) -> None:
        self.ports = free_ports(3)
        extra = {
            i: ["--resp", f"127.0.0.1:{self.ports[i]}", "--data-dir", str(tmp / f"d{i}")]
            for i in range(3)
        }
        self.processes = ProcessCluster(tmp, KV, 3, extra_args=extra)

    def start(self) -> None:
        """Start every node; returns once each is linked to both others."""
        self.processes.start()
        self._linked()

    def kill(self, node: int) -> None:
        """kill -9."""
        self.processes.kill(node)

    def restart(self, node: int) -> None:
        """Start a killed node again; returns once every node is linked to the others
        again (a node is ready once it reaches a quorum, maybe not every peer yet)."""
        self.processes.start(node)
        self._linked()

    def _linked(self) -> None:
        def peers(client: redis.Redis) -> int:
            return int(client.info("consensus")["connected_peers"])

        wait_for(lambda: at_every_node(self.ports, peers), [2, 2, 2].__eq__, "every link up")

    def stop(self) -> None:
        self.processes.stop()


@contextmanager
def killable_cluster(tmp: Path) -> Iterator[KillableCluster]:
    cluster = KillableCluster(tmp)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


class AppProcess:
    """An application process (a worker) run as ``python -m ...`` from the repository
    root, its output kept in a file for failure messages."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )

    def log(self) -> str:
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-6000:]

    def wait(self, timeout: float = WAIT) -> int:
        """Its exit status once it ends by itself (fails the test after ``timeout``)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"still running after {timeout}s:\n{self.log()}") from None

    def stop(self) -> None:
        """SIGTERM (a warm shutdown for the workers), SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.output.close()
