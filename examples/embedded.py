"""Three rabia nodes embedded in one Python process, talking over real TCP on loopback.

    python examples/embedded.py

In production each node runs in its own process or machine (see examples/counter.py and
``rabia node``); the code per node is the same.
"""

from __future__ import annotations

import asyncio

from rabia import Node, NodeConfig, StateMachine


class Counter(StateMachine):
    """Deterministic: the result depends only on the commands applied before."""

    def __init__(self) -> None:
        self.value = 0

    def apply(self, command: bytes) -> bytes:
        self.value += int(command)
        return str(self.value).encode()

    def snapshot(self) -> bytes:
        return str(self.value).encode()

    def restore(self, data: bytes) -> None:
        self.value = int(data)


MEMBERS = {0: "127.0.0.1:7301", 1: "127.0.0.1:7302", 2: "127.0.0.1:7303"}


async def main() -> None:
    nodes = [Node(NodeConfig(i, MEMBERS), Counter()) for i in MEMBERS]
    for node in nodes:
        await node.start()
    for node in nodes:
        await node.wait_for_quorum()  # links come up in a few milliseconds
    try:
        # Any node accepts writes; each is applied once, in the same order, everywhere.
        results = await asyncio.gather(*(nodes[k % 3].submit(b"1") for k in range(30)))
        print("results:", sorted(int(r) for r in results)[-3:], "...")
        print("node 2 sees:", await nodes[2].submit(b"0"))
    finally:
        for node in nodes:
            await node.stop()


if __name__ == "__main__":
    asyncio.run(main())
