"""Bytes of overhead per key of the KV state machine beyond the key and value bytes.

    .venv/bin/python benchmarks/kv_memory.py [--keys 1000000]

Writes N keys of 16 bytes with 16-byte values through ``KVMachine.apply_at`` and reports
the growth per key, traced by tracemalloc and by the process's resident set size.
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from pathlib import Path

from rabia.kv import KVMachine, encode_command


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    n = parser.parse_args().keys
    commands = [encode_command([b"SET", b"key:%012d" % i, b"val:%012d" % i]) for i in range(n)]

    # Pass 1: resident set growth, nothing else running.
    machine = KVMachine()
    gc.collect()
    rss_before = rss_bytes()
    for i, command in enumerate(commands):
        machine.apply_at(command, i)
    gc.collect()
    rss = (rss_bytes() - rss_before) / n - 32
    del machine
    gc.collect()

    # Pass 2: the same writes, traced allocation by allocation.
    machine = KVMachine()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i, command in enumerate(commands):
        machine.apply_at(command, i)
    gc.collect()
    traced = (tracemalloc.get_traced_memory()[0] - base) / n - 32
    tracemalloc.stop()
    print(f"keys: {n:,}")
    print(f"overhead per key beyond 32 payload bytes (tracemalloc): {traced:.0f} B")
    print(f"overhead per key beyond 32 payload bytes (RSS growth): {rss:.0f} B")


if __name__ == "__main__":
    main()
