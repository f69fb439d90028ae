"""Bytes per list / element of the KV machine against redis-server's used_memory.

    .venv/bin/python benchmarks/kv_memory_lists.py [--scale 1.0] [--no-redis]

Workloads (``WORKLOADS``): 100k lists of 10 elements of 10 bytes, one list of 1M such
elements, and that list again after a queue's churn (1M LPUSH then RPOP of 900k). Each
is written through ``KVMachine.apply_at`` and measured twice: the machine's allocations
traced by tracemalloc (requested sizes), and the process's resident set growth in a
separate pass (which includes the allocator's rounding and free lists, and so is the
fairer match for redis-server's used_memory, jemalloc's allocated bytes). With
redis-server installed, the same commands go through a pipeline to a fresh redis-server
and INFO's used_memory growth is reported beside them. ``list_memory`` returns the
figures for another benchmark to print.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from rabia.kv import KVMachine, encode_command

Workload = Callable[[float], Iterator[list[bytes]]]


def _lists(scale: float) -> Iterator[list[bytes]]:
    for i in range(int(100_000 * scale)):
        yield [b"RPUSH", b"list:%08d" % i, *[b"elem%06d" % j for j in range(10)]]


def _big_list(scale: float) -> Iterator[list[bytes]]:
    n = int(1_000_000 * scale)
    for start in range(0, n, 1000):
        yield [b"RPUSH", b"big", *[b"elem%06d" % i for i in range(start, min(start + 1000, n))]]


def _queue(scale: float) -> Iterator[list[bytes]]:
    n = int(1_000_000 * scale)
    for start in range(0, n, 1000):
        yield [b"LPUSH", b"q", *[b"elem%06d" % i for i in range(start, min(start + 1000, n))]]
    for _ in range(0, n * 9 // 10, 100):
        yield [b"RPOP", b"q", b"100"]


WORKLOADS: dict[str, tuple[Workload, int, str]] = {
    "100k lists x 10 elements": (_lists, 100_000, "list"),
    "1 list x 1M elements": (_big_list, 1_000_000, "element"),
    "queue: 1M in, 900k out": (_queue, 100_000, "element left"),
}
"""name -> (commands at a scale, units at scale 1, unit name)."""


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _apply(commands: list[bytes]) -> KVMachine:
    machine = KVMachine()
    for i, command in enumerate(commands):
        machine.apply_at(command, i)
    return machine


def measure(workload: Workload, scale: float) -> int:
    """Bytes the machine allocated for the workload (tracemalloc)."""
    commands = [encode_command(c) for c in workload(scale)]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    machine = _apply(commands)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del machine
    return traced


def measure_rss(name: str, scale: float) -> int:
    """Resident set growth of a fresh process applying workload ``name`` (a process of
    its own: freed memory of an earlier workload would be reused unseen)."""
    child = [sys.executable, __file__, "--rss-of", name, "--scale", str(scale)]
    return int(subprocess.run(child, capture_output=True, check=True, text=True).stdout)


def _rss_of(name: str, scale: float) -> int:
    commands = [encode_command(c) for c in WORKLOADS[name][0](scale)]
    gc.collect()
    before = _rss()
    machine = _apply(commands)
    gc.collect()
    grown = _rss() - before
    del machine
    return grown


def redis_figure(workload: Workload, scale: float, binary: str) -> int:
    """Growth of a fresh redis-server's used_memory for the workload."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)  # bounded: the server is starting
        else:
            raise RuntimeError("redis-server did not start")
        with sock:
            before = _used_memory(sock)
            batch: list[list[bytes]] = []
            for command in workload(scale):
                batch.append(command)
                if len(batch) == 100:
                    _pipeline(sock, batch)
                    batch = []
            _pipeline(sock, batch)
            return _used_memory(sock) - before
    finally:
        process.kill()
        process.wait()


def _pipeline(sock: socket.socket, commands: list[list[bytes]]) -> None:
    if not commands:
        return
    requests = (
        b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in c) for c in commands
    )
    sock.sendall(b"".join(requests))
    sock.sendall(b"*1\r\n$4\r\nPING\r\n")  # the replies end at its +PONG
    received = b""
    while not received.endswith(b"+PONG\r\n"):
        received += sock.recv(1 << 20)


def _used_memory(sock: socket.socket) -> int:
    sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n*1\r\n$4\r\nPING\r\n")
    text = b""
    while not text.endswith(b"+PONG\r\n"):
        text += sock.recv(1 << 16)
    return int(text.split(b"used_memory:")[1].split(b"\r\n")[0])


def list_memory(scale: float = 1.0, binary: str | None = None) -> list[str]:
    """One line per workload: bytes per unit, traced and RSS, and redis-server's."""
    lines = []
    for name, (workload, units, unit) in WORKLOADS.items():
        count = units * scale
        traced, rss = measure(workload, scale), measure_rss(name, scale)
        line = f"{name:25} rabia {traced / count:7.1f} (RSS {rss / count:7.1f}) B/{unit}"
        if binary is not None:
            theirs = redis_figure(workload, scale, binary) / count
            line += f"   redis-server {theirs:6.1f}   ratio {traced / count / theirs:4.2f}"
            line += f" (RSS {rss / count / theirs:4.2f})"
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.rss_of:
        print(_rss_of(options.rss_of, options.scale))
        return
    binary = None if options.no_redis else shutil.which("redis-server")
    for line in list_memory(options.scale, binary):
        print(line, flush=True)


if __name__ == "__main__":
    main()
