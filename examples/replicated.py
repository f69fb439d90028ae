"""A replicated object embedded in three rabia nodes of one process, over real TCP on
loopback: typed commands and queries instead of bytes.

    python examples/replicated.py

The same class is served by ``rabia node --machine examples/replicated.py:Bank`` and
called remotely with ``remote(Bank, rabia.Client([...]))``.
"""

from __future__ import annotations

import asyncio

from rabia import Node, NodeConfig
from rabia.objects import Replicated, command, local, query


class Overdrawn(Exception):
    """A transfer larger than the balance: nothing changes."""


class Bank(Replicated, errors=(Overdrawn,)):
    accounts: dict[str, int] = {}  # the declared state: snapshots come from it

    @command
    def deposit(self, account: str, amount: int) -> int:
        self.accounts[account] = self.accounts.get(account, 0) + amount
        return self.accounts[account]

    @command
    def transfer(self, source: str, target: str, amount: int) -> None:
        if self.accounts.get(source, 0) < amount:
            raise Overdrawn(source)
        self.accounts[source] -= amount
        self.accounts[target] = self.accounts.get(target, 0) + amount

    @query  # answered through the read barrier: linearizable, never in the log
    def balance(self, account: str) -> int:
        return self.accounts.get(account, 0)


MEMBERS = {0: "127.0.0.1:7311", 1: "127.0.0.1:7312", 2: "127.0.0.1:7313"}


async def main() -> None:
    nodes = [Node(NodeConfig(i, MEMBERS), Bank()) for i in MEMBERS]
    for node in nodes:
        await node.start()
    for node in nodes:
        await node.wait_for_quorum()
    try:
        bank = local(Bank, nodes[0])  # typed as Bank: mypy checks every call
        await bank.deposit("alice", 100)
        await bank.transfer("alice", "bob", 30)
        try:
            await bank.transfer("bob", "carol", 500)
        except Overdrawn as refused:
            print("refused:", refused)
        other = local(Bank, nodes[2])  # any node: the same state, read linearizably
        print("alice", await other.balance("alice"), "bob", await other.balance("bob"))
    finally:
        for node in nodes:
            await node.stop()


if __name__ == "__main__":
    asyncio.run(main())
