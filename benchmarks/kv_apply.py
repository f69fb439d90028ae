"""Microseconds per ``KVMachine.apply_at`` of SET and GET entries (the replicas' hot path).

    .venv/bin/python benchmarks/kv_apply.py [--applies 200000] [--repeat 5]

Applies pre-encoded entries over 1,000 keys with 16-byte values: SETs, then GETs, then
SETs and GETs interleaved; prints the best of ``--repeat`` runs of each (CPU time of this
process, so that other load on the machine matters less), and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

from rabia.kv import KVMachine, encode_command


def best_us(machine: KVMachine, entries: list[bytes], repeat: int) -> float:
    """The fastest of ``repeat`` passes over ``entries``, in microseconds per apply."""
    apply_at = machine.apply_at
    best = float("inf")
    now = 1_000_000_000
    for _ in range(repeat):
        started = time.process_time()
        for entry in entries:
            apply_at(entry, now)
        best = min(best, time.process_time() - started)
        now += 1_000_000
    return best / len(entries) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applies", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    keys = [b"key:%012d" % (i % 1000) for i in range(args.applies)]
    sets = [encode_command([b"SET", k, b"value:%010d" % i]) for i, k in enumerate(keys)]
    gets = [encode_command([b"GET", k]) for k in keys]
    mixed = [e for pair in zip(sets[::2], gets[1::2], strict=True) for e in pair]
    machine = KVMachine()
    result = {
        "set_us": best_us(machine, sets, args.repeat),
        "get_us": best_us(machine, gets, args.repeat),
        "mixed_us": best_us(machine, mixed, args.repeat),
    }
    for name, us in result.items():
        print(f"{name:<9} {us:6.3f} us/apply")
    print(json.dumps({k: round(v, 4) for k, v in result.items()}))


if __name__ == "__main__":
    main()
