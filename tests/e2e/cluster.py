"""Real `rabia node` processes on loopback, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 20.0


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out (bound then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class NodeProcess:
    node_id: int
    peer_port: int
    client_port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    args: list[str] = field(default_factory=list)

    @property
    def client_address(self) -> str:
        return f"127.0.0.1:{self.client_port}"

    lines: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def pump(self) -> None:
        """Copy the process output into ``lines`` (and the log file), waking waiters."""
        assert self.process is not None and self.process.stdout is not None
        with self.log_path.open("a") as log:
            for raw in self.process.stdout:
                line = raw.decode(errors="replace")
                log.write(line)
                with self.changed:
                    self.lines.append(line)
                    self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def log(self) -> str:
        with self.changed:
            return "".join(self.lines)

    def wait_for(self, text: str, timeout: float, start: int = 0) -> str:
        """Block until ``text`` appears in the output past character ``start``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                content = "".join(self.lines)
                if text in content[start:]:
                    return content
                exited = self.process is not None and self.process.poll() is not None
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (exited and not self.changed.wait(0.5)):
                    raise AssertionError(
                        f"node {self.node_id}: {text!r} not seen "
                        f"({'exited' if exited else 'timeout'}):\n{content[-4000:]}"
                    )
                self.changed.wait(remaining)


class ProcessCluster:
    """n nodes of one state machine; ``peer_map`` may redirect links (e.g. to proxies)."""

    def __init__(
        self,
        tmp: Path,
        machine: str,
        n: int = 3,
        *,
        secret: bytes | None = None,
        peer_map: Mapping[tuple[int, int], int] | None = None,
        ports: list[int] | None = None,
        extra_args: Mapping[int, list[str]] | None = None,
        members_of: Mapping[int, list[int]] | None = None,
        configs: Mapping[int, Path] | None = None,
    ) -> None:
        self.tmp = tmp
        self.machine = machine
        ports = ports or free_ports(2 * n)
        self.nodes = [
            NodeProcess(i, ports[i], ports[n + i], tmp / f"node{i}.log") for i in range(n)
        ]
        self.secret_file: Path | None = None
        if secret is not None:
            self.secret_file = tmp / "secret"
            self.secret_file.write_bytes(secret)
        self.peer_map = dict(peer_map or {})
        self.extra_args = dict(extra_args or {})
        self.members_of = dict(members_of or {})
        """Node -> the ids its --peer list names (default: every node)."""
        self.configs = dict(configs or {})
        """Node -> a TOML file it starts from (``rabia node --config FILE`` + extra_args)."""

    def peer_port(self, src: int, dst: int) -> int:
        """The port node ``src`` dials to reach node ``dst``."""
        return self.peer_map.get((src, dst), self.nodes[dst].peer_port)

    def start(self, *ids: int) -> None:
        offsets = {i: len(self.nodes[i].log()) for i in ids or range(len(self.nodes))}
        for i in ids or range(len(self.nodes)):
            node = self.nodes[i]
            args = [sys.executable, "-m", "rabia", "node"]
            if i in self.configs:
                args += ["--config", str(self.configs[i])]
            else:
                args += ["--id", str(i), "--client", node.client_address]
                args += ["--machine", self.machine]
                for j, other in enumerate(self.nodes):
                    if j not in self.members_of.get(i, range(len(self.nodes))):
                        continue
                    port = other.peer_port if j == i else self.peer_port(i, j)
                    args += ["--peer", f"{j}=127.0.0.1:{port}"]
                if self.secret_file is not None:
                    args += ["--secret-file", str(self.secret_file)]
            args += self.extra_args.get(i, [])
            node.process = subprocess.Popen(
                args,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            node.args = args
            threading.Thread(target=node.pump, daemon=True).start()
        for i in ids or range(len(self.nodes)):
            self.wait_for_log(i, "ready node=", start=offsets[i])

    def wait_for_log(
        self, i: int, text: str, timeout: float = READY_TIMEOUT, start: int = 0
    ) -> str:
        return self.nodes[i].wait_for(text, timeout, start)

    def kill(self, i: int, sig: int = signal.SIGKILL) -> None:
        process = self.nodes[i].process
        if process is not None and process.poll() is None:
            process.send_signal(sig)
            process.wait(timeout=10)

    def alive(self, i: int) -> bool:
        process = self.nodes[i].process
        return process is not None and process.poll() is None

    def stop(self) -> None:
        for i, node in enumerate(self.nodes):
            if self.alive(i):
                assert node.process is not None
                node.process.terminate()
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait(timeout=10)

    def addresses(self, *ids: int) -> list[str]:
        return [self.nodes[i].client_address for i in (ids or range(len(self.nodes)))]
