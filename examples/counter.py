"""A replicated counter: the smallest useful rabia state machine.

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

from rabia.api import StateMachine
from rabia.client import Client


class Counter(StateMachine):
    """Commands: ``incr N`` (default 1), ``decr N``, ``get``; each returns the value."""

    def __init__(self) -> None:
        self.value = 0

    def apply(self, command: bytes) -> bytes:
        verb, _, arg = command.partition(b" ")
        if verb == b"incr":
            self.value += int(arg or b"1")
        elif verb == b"decr":
            self.value -= int(arg or b"1")
        elif verb != b"get":
            return b"ERR unknown command"
        return str(self.value).encode()

    def snapshot(self) -> bytes:
        return str(self.value).encode()

    def restore(self, data: bytes) -> None:
        self.value = int(data)


async def _main(nodes: list[str], command: list[str], secret: bytes | None) -> None:
    async with Client(nodes, secret=secret) as client:
        print((await client.submit(" ".join(command).encode())).decode())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Talk to a replicated counter.")
    parser.add_argument("--node", action="append", required=True, help="HOST:PORT client port")
    parser.add_argument("--secret-file", type=Path, help="the nodes' cluster secret, if any")
    parser.add_argument("command", nargs="+", help="incr N | decr N | get")
    args = parser.parse_args()
    secret = args.secret_file.read_bytes().strip() if args.secret_file else None
    asyncio.run(_main(args.node, args.command, secret))
