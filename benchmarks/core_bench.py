"""Decided slots per CPU-second of the pure core: 3 replicas, no faults, in one process.

Messages go through a FIFO in memory (no sockets, no codec), so the figure is the
protocol core's own cost: what the runtime can at most get out of it per core.

    .venv/bin/python benchmarks/core_bench.py [--nodes 3] [--slots 20000] [--batch 1]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import deque

from rabia.core import BROADCAST, Command, Message, Replica, ReplicaConfig


def run(nodes: int, slots: int, batch: int) -> dict[str, float]:
    members = tuple(range(nodes))
    replicas = [Replica(ReplicaConfig(i, members)) for i in members]
    wire: deque[tuple[int, Message]] = deque()
    fast = 0
    applied = [0] * nodes
    seq = 0

    def drain(i: int) -> None:
        replica = replicas[i]
        while replica.has_ready():
            ready = replica.ready()
            for dst, message in ready.messages:
                if dst == BROADCAST:
                    for peer in members:
                        if peer != i:
                            wire.append((peer, message))
                else:
                    wire.append((dst, message))
            applied[i] += len(ready.committed)
            replica.advance()

    for i in members:
        drain(i)
    start = time.process_time()
    while applied[0] < slots:
        # One client per replica keeps one batch in flight at each of them.
        for i in members:
            if replicas[i].pending == 0 and not replicas[i].in_slot:
                cmds = [Command(i, seq + k, b"0123456789") for k in range(batch)]
                seq += batch
                replicas[i].submit(cmds, seq)
                drain(i)
        while wire:
            dst, message = wire.popleft()
            replicas[dst].step(message)
            drain(dst)
    elapsed = time.process_time() - start
    fast = replicas[0].stats.fast_path
    decided = replicas[0].stats.slots_decided
    return {
        "nodes": nodes,
        "slots": decided,
        "cpu_seconds": round(elapsed, 3),
        "slots_per_cpu_second": round(decided / elapsed, 1),
        "commands_per_cpu_second": round(
            decided * batch * (1 - replicas[0].stats.null_slots / max(decided, 1)) / elapsed, 1
        ),
        "fast_path_ratio": round(fast / max(replicas[0].stats.decided_by_votes, 1), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--slots", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.nodes, args.slots, args.batch)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
