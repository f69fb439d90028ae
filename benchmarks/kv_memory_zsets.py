"""Memory of sorted sets in the KV machine beside redis-server, for the same data.

    .venv/bin/python benchmarks/kv_memory_zsets.py [--sets 100000] [--members 1000000]

Two cases: ``--sets`` sorted sets of 10 members each (``member:0``.. with scores 0..9,
Redis's listpack encoding) and one sorted set of ``--members`` members (``member:N`` with
score N * 1.5, Redis's skiplist). The same ZADDs go through ``KVMachine.apply_at`` (its
growth traced by tracemalloc, and by resident set size) and to a fresh redis-server (its
``used_memory`` growth). Figures are bytes per member, keys included.
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

Command = list[bytes]


def many_small(sets: int) -> Iterator[Command]:
    for i in range(sets):
        pairs = [x for j in range(10) for x in (b"%d" % j, b"member:%d" % j)]
        yield [b"ZADD", b"zset:%08d" % i, *pairs]


def one_large(members: int) -> Iterator[Command]:
    for start in range(0, members, 1000):
        stop = min(start + 1000, members)
        pairs = [x for j in range(start, stop) for x in (repr(j * 1.5).encode(), b"member:%d" % j)]
        yield [b"ZADD", b"big", *pairs]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def rabia_bytes(commands: list[bytes]) -> tuple[float, float]:
    """(traced, RSS) growth of a machine applying ``commands``."""
    machine = KVMachine()
    gc.collect()
    before = rss_bytes()
    for i, command in enumerate(commands):
        machine.apply_at(command, i)
    gc.collect()
    rss = rss_bytes() - before
    del machine
    gc.collect()
    machine = KVMachine()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i, command in enumerate(commands):
        machine.apply_at(command, i)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return traced, rss


def _request(args: Command) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def redis_bytes(commands: list[Command]) -> float | None:
    """``used_memory`` growth of a fresh redis-server given ``commands`` (None: no server)."""
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
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("redis-server did not start")
        reader = sock.makefile("rb")

        def used() -> int:
            sock.sendall(_request([b"INFO", b"memory"]))
            size = int(reader.readline()[1:])
            text = reader.read(size + 2).decode()
            return int(text.split("used_memory:")[1].split()[0])

        base = used()
        for start in range(0, len(commands), 1000):
            batch = commands[start : start + 1000]
            sock.sendall(b"".join(map(_request, batch)))
            for _ in batch:
                reader.readline()
        grown = used() - base
        sock.close()
        return grown
    finally:
        server.kill()
        server.wait()


def report(name: str, commands: list[Command], members: int) -> None:
    encoded = [encode_command(c) for c in commands]
    traced, rss = rabia_bytes(encoded)
    theirs = redis_bytes(commands)
    line = f"{name}: rabia {traced / members:.0f} B/member traced, {rss / members:.0f} by RSS"
    if theirs is not None:
        ratio = traced / theirs
        line += f"; redis-server {theirs / members:.0f} B/member (rabia/redis {ratio:.2f})"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=1_000_000)
    args = parser.parse_args()
    report(f"{args.sets:,} sets of 10", list(many_small(args.sets)), args.sets * 10)
    report(f"one set of {args.members:,}", list(one_large(args.members)), args.members)


if __name__ == "__main__":
    main()
