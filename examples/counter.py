"""A replicated counter: the smallest useful rabia replicated object.

Run a 3-node cluster on loopback (three terminals, or append ``&``):

    rabia node --id 0 --peer 0=127.0.0.1:7000 --peer 1=127.0.0.1:7001 --peer 2=127.0.0.1:7002 \
        --client 127.0.0.1:7100 --machine examples/counter.py:Counter
    (same with --id 1 --client 127.0.0.1:7101, and --id 2 --client 127.0.0.1:7102)

Then, from any machine that reaches one of the client ports:

    python examples/counter.py --node 127.0.0.1:7100 --node 127.0.0.1:7101 incr 5
    python examples/counter.py --node 127.0.0.1:7102 get
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rabia.client import Client
from rabia.objects import Replicated, command, query, remote


class Counter(Replicated):
    """``incr`` and ``decr`` (commands) and ``get`` (a query) return the value."""

    value: int = 0

    @command
    def incr(self, by: int = 1) -> int:
        self.value += by
        return self.value

    @command
    def decr(self, by: int = 1) -> int:
        self.value -= by
        return self.value

    @query
    def get(self) -> int:
        return self.value


async def _main(nodes: list[str], words: list[str], secret: bytes | None) -> None:
    async with Client(nodes, secret=secret) as client:
        counter = remote(Counter, client)
        verb, args = words[0], [int(word) for word in words[1:]]
        if verb == "incr":
            print(await counter.incr(*args))
        elif verb == "decr":
            print(await counter.decr(*args))
        elif verb == "get":
            print(await counter.get())
        else:
            raise SystemExit(f"unknown command {verb!r}: incr N | decr N | get")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Talk to a replicated counter.")
    parser.add_argument("--node", action="append", required=True, help="HOST:PORT client port")
    parser.add_argument("--secret-file", type=Path, help="the nodes' cluster secret, if any")
    parser.add_argument("command", nargs="+", help="incr N | decr N | get")
    args = parser.parse_args()
    secret = args.secret_file.read_bytes().strip() if args.secret_file else None
    asyncio.run(_main(args.node, args.command, secret))
