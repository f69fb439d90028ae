"""Bytes per hash / set / element of the KV machine against redis-server's used_memory.

    .venv/bin/python benchmarks/kv_memory_hashsets.py [--scale 1.0] [--no-redis]

Workloads (``WORKLOADS``; another benchmark may import ``measure`` and ``redis_figure``):
100k hashes of 10 fields, one hash of 1M fields, 100k sets of 10 string members,
100k sets of 10 integer members, one set of 1M members. Each is written through
``KVMachine.apply_at`` (traced by tracemalloc, so only the machine's own allocations
count) and, if redis-server is installed, through a pipeline to a fresh redis-server
(growth of INFO's used_memory).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import socket
import subprocess
import time
import tracemalloc
from collections.abc import Callable, Iterator

from rabia.kv import KVMachine, encode_command

Workload = Callable[[float], Iterator[list[bytes]]]


def _hashes(scale: float) -> Iterator[list[bytes]]:
    for i in range(int(100_000 * scale)):
        pairs = [x for j in range(10) for x in (b"field:%02d" % j, b"value:%08d" % j)]
        yield [b"HSET", b"hash:%08d" % i, *pairs]


def _big_hash(scale: float) -> Iterator[list[bytes]]:
    n = int(1_000_000 * scale)
    for start in range(0, n, 1000):
        ids = range(start, min(start + 1000, n))
        yield [b"HSET", b"big", *[x for i in ids for x in (b"field:%08d" % i, b"value:%08d" % i)]]


def _sets(scale: float) -> Iterator[list[bytes]]:
    for i in range(int(100_000 * scale)):
        yield [b"SADD", b"set:%08d" % i, *[b"member:%02d" % j for j in range(10)]]


def _int_sets(scale: float) -> Iterator[list[bytes]]:
    for i in range(int(100_000 * scale)):
        yield [b"SADD", b"iset:%08d" % i, *[b"%d" % (j * 1000) for j in range(10)]]


def _big_set(scale: float) -> Iterator[list[bytes]]:
    n = int(1_000_000 * scale)
    for start in range(0, n, 1000):
        yield [b"SADD", b"big", *[b"member:%08d" % i for i in range(start, min(start + 1000, n))]]


WORKLOADS: dict[str, tuple[Workload, int, str]] = {
    "100k hashes x 10 fields": (_hashes, 100_000, "hash"),
    "1 hash x 1M fields": (_big_hash, 1_000_000, "field"),
    "100k sets x 10 strings": (_sets, 100_000, "set"),
    "100k sets x 10 integers": (_int_sets, 100_000, "set"),
    "1 set x 1M members": (_big_set, 1_000_000, "member"),
}
"""name -> (commands at a scale, units at scale 1, unit name)."""


def measure(workload: Workload, scale: float) -> int:
    """Bytes the machine allocated for the workload (tracemalloc)."""
    commands = [encode_command(c) for c in workload(scale)]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    machine = KVMachine()
    for i, command in enumerate(commands):
        machine.apply_at(command, i)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return used


class _Redis:
    """A throw-away redis-server and a raw pipelining connection to it."""

    def __init__(self, binary: str) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port))
                break
            except OSError:
                time.sleep(0.05)

    def run(self, commands: list[list[bytes]]) -> bytes:
        data = b"".join(
            b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in c)
            for c in commands
        )
        self.sock.sendall(data)
        received = b""
        while received.count(b"\r\n") < len(commands) or not received.endswith(b"\r\n"):
            received += self.sock.recv(1 << 20)
        return received

    def used_memory(self) -> int:
        self.sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
        time.sleep(0.2)
        text = self.sock.recv(1 << 16).decode()
        return int(text.split("used_memory:")[1].split("\r\n")[0])

    def close(self) -> None:
        self.sock.close()
        self.process.kill()
        self.process.wait()


def redis_figure(workload: Workload, scale: float, binary: str) -> int:
    """Growth of redis-server's used_memory for the workload."""
    server = _Redis(binary)
    try:
        before = server.used_memory()
        batch: list[list[bytes]] = []
        for command in workload(scale):
            batch.append(command)
            if len(batch) == 100:
                server.run(batch)
                batch = []
        if batch:
            server.run(batch)
        return server.used_memory() - before
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-redis", action="store_true")
    options = parser.parse_args()
    binary = None if options.no_redis else shutil.which("redis-server")
    for name, (workload, units, unit) in WORKLOADS.items():
        count = units * options.scale
        ours = measure(workload, options.scale) / count
        line = f"{name:26} rabia {ours:7.1f} B/{unit}"
        if binary is not None:
            theirs = redis_figure(workload, options.scale, binary) / count
            line += f"   redis-server {theirs:7.1f} B/{unit}   ratio {ours / theirs:4.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
