"""Microseconds per ``KVMachine.apply_at`` of SET and GET entries (the replicas' hot path),
and of scripts doing the same.

    .venv/bin/python benchmarks/kv_apply.py [--applies 200000] [--repeat 5]

Applies pre-encoded entries over 1,000 keys with 16-byte values: SETs, then GETs, then
SETs and GETs interleaved, then the SETs as scripts: EVAL of a script doing one
``redis.call('set', ...)``, the same by EVALSHA, and EVAL of a script doing ten (per
script, not per SET); prints the best of ``--repeat`` runs of each (CPU time of this
process, so that other load on the machine matters less), and one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
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
    one = b"return redis.call('set', KEYS[1], ARGV[1])"
    ten = b"for i = 1, 10 do redis.call('set', KEYS[1], ARGV[1]) end return 1"
    sha = hashlib.sha1(one).hexdigest().encode()
    evals = [
        encode_command([b"EVAL", one, b"1", k, b"value:%010d" % i]) for i, k in enumerate(keys)
    ]
    evalshas = [encode_command([b"EVALSHA", sha, b"1", k, b"v:%d" % i]) for i, k in enumerate(keys)]
    tens = [encode_command([b"EVAL", ten, b"1", k, b"v:%d" % i]) for i, k in enumerate(keys)]
    machine = KVMachine()
    result = {
        "set_us": best_us(machine, sets, args.repeat),
        "get_us": best_us(machine, gets, args.repeat),
        "mixed_us": best_us(machine, mixed, args.repeat),
        "eval_set_us": best_us(machine, evals, args.repeat),
        "evalsha_set_us": best_us(machine, evalshas, args.repeat),
        "eval_10_sets_us": best_us(machine, tens, args.repeat),
    }
    for name, us in result.items():
        print(f"{name:<15} {us:6.3f} us/apply")
    print(json.dumps({k: round(v, 4) for k, v in result.items()}))


if __name__ == "__main__":
    main()
