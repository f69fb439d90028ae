"""Bytes per stream entry in the KV state machine, next to redis-server's for the same XADDs.

    .venv/bin/python benchmarks/kv_memory_streams.py [--entries 1000000] [--value-size 8]

Appends N entries ``XADD s <ms>-<seq> f <value>`` (ten per millisecond, values of
``--value-size`` bytes that are not integers) through ``KVMachine.apply_at`` and reports
the growth per entry (tracemalloc, and resident set size); then, if ``redis-server`` is
installed, sends the same commands to a fresh one and reports its ``used_memory`` growth
per entry.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import socket
import subprocess
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from rabia.kv import KVMachine, encode_command


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def commands(n: int, size: int) -> Iterator[list[bytes]]:
    base = 1_700_000_000_000
    for i in range(n):
        value = (b"v%d" % i).ljust(size, b"x")[:size]
        yield [b"XADD", b"s", b"%d-%d" % (base + i // 10, i % 10), b"f", value]


def ours(n: int, size: int) -> tuple[float, float]:
    """(traced, RSS) bytes per entry."""
    entries = [encode_command(c) for c in commands(n, size)]
    machine = KVMachine()
    gc.collect()
    before = rss_bytes()
    for i, entry in enumerate(entries):
        machine.apply_at(entry, i)
    gc.collect()
    rss = (rss_bytes() - before) / n
    del machine
    gc.collect()
    machine = KVMachine()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i, entry in enumerate(entries):
        machine.apply_at(entry, i)
    gc.collect()
    traced = (tracemalloc.get_traced_memory()[0] - base) / n
    tracemalloc.stop()
    return traced, rss


def _used_memory(sock: socket.socket) -> int:
    """``used_memory`` from ``INFO memory`` (a bulk string reply)."""
    sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
    data = b""
    while b"\r\n" not in data:
        data += sock.recv(1 << 16)
    header, _, body = data.partition(b"\r\n")
    while len(body) < int(header[1:]) + 2:
        body += sock.recv(1 << 16)
    line = next(x for x in body.split(b"\r\n") if x.startswith(b"used_memory:"))
    return int(line.split(b":")[1])


def redis_server(n: int, size: int) -> float | None:
    """redis-server's ``used_memory`` growth per entry (None: not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                time.sleep(0.05)  # bounded: the server is starting
        before = _used_memory(sock)
        batch: list[bytes] = []
        for command in commands(n, size):
            batch.append(b"*5\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in command))
            if len(batch) == 10_000:
                _send(sock, batch)
        _send(sock, batch)
        return (_used_memory(sock) - before) / n
    finally:
        server.kill()
        server.wait()


def _send(sock: socket.socket, batch: list[bytes]) -> None:
    """Send a pipeline of XADDs and read their replies (one bulk string each)."""
    sock.sendall(b"".join(batch))
    expected, data = len(batch), b""
    while data.count(b"\r\n") < 2 * expected:
        data += sock.recv(1 << 20)
    assert b"-" not in data[:1], data[:200]
    batch.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--value-size", type=int, default=8)
    args = parser.parse_args()
    n, size = args.entries, args.value_size
    traced, rss = ours(n, size)
    theirs = redis_server(n, size)
    print(f"entries: {n:,} (field 'f', {size}-byte values)")
    print(f"rabia, bytes per entry (tracemalloc): {traced:.1f}")
    print(f"rabia, bytes per entry (RSS growth):  {rss:.1f}")
    if theirs is None:
        print("redis-server not installed: no comparison")
    else:
        print(f"redis-server, bytes per entry (used_memory growth): {theirs:.1f}")
        print(f"ratio (tracemalloc / redis): {traced / theirs:.2f}")


if __name__ == "__main__":
    main()
