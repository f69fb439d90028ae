"""Replicated bank accounts: transfers keep the total balance invariant on every replica.

Written with ``rabia.objects``: the state is the annotated ``accounts``; ``open`` and
``transfer`` are commands (through the log, exactly once, rolled back if they raise);
``balance`` and ``total`` are queries (linearizable reads that never enter the log).

Run three nodes with ``--machine examples/banking.py:Bank`` (see examples/counter.py),
then, from any machine that reaches a client port:

    python examples/banking.py --node 127.0.0.1:7100 open alice 100
    python examples/banking.py --node 127.0.0.1:7100 transfer alice bob 30
    python examples/banking.py --node 127.0.0.1:7101 balance alice
    python examples/banking.py --node 127.0.0.1:7102 total
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Annotated

import msgspec

from rabia.client import Client
from rabia.objects import Replicated, command, query, remote

Amount = Annotated[int, msgspec.Meta(ge=0)]
"""Validated before the call leaves the caller, and again when a replica applies it."""


class NoSuchAccount(Exception):
    """The account was never opened."""


class AccountExists(Exception):
    """``open`` of an account that is already open."""


class InsufficientFunds(Exception):
    """The source account holds less than the amount."""


class Total(msgspec.Struct, frozen=True):
    total: int
    accounts: int


class Bank(Replicated, errors=(NoSuchAccount, AccountExists, InsufficientFunds)):
    """Accounts with non-negative balances; a transfer either fully happens or not."""

    accounts: dict[str, int] = msgspec.field(default_factory=dict)

    @command
    def open(self, account: str, amount: Amount) -> int:
        """Open ``account`` with ``amount``; returns its balance."""
        if account in self.accounts:
            raise AccountExists(account)
        self.accounts[account] = amount
        return amount

    @command
    def transfer(self, source: str, target: str, amount: Amount) -> None:
        """Move ``amount`` from ``source`` to ``target``."""
        if source not in self.accounts or target not in self.accounts:
            raise NoSuchAccount(source if source not in self.accounts else target)
        self.accounts[source] -= amount  # a failure below would be rolled back
        if self.accounts[source] < 0:
            raise InsufficientFunds(source)
        self.accounts[target] += amount

    @query
    def balance(self, account: str) -> int:
        if account not in self.accounts:
            raise NoSuchAccount(account)
        return self.accounts[account]

    @query
    def total(self) -> Total:
        return Total(sum(self.accounts.values()), len(self.accounts))


async def _main(nodes: list[str], words: list[str], secret: bytes | None) -> None:
    async with Client(nodes, secret=secret) as client:
        bank = remote(Bank, client)
        verb, args = words[0], words[1:]
        if verb == "open":
            print(await bank.open(args[0], int(args[1])))
        elif verb == "transfer":
            await bank.transfer(args[0], args[1], int(args[2]))
            print("ok")
        elif verb == "balance":
            print(await bank.balance(args[0]))
        elif verb == "total":
            print(msgspec.json.encode(await bank.total()).decode())
        else:
            raise SystemExit(f"unknown command {verb!r}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Talk to the replicated bank.")
    parser.add_argument("--node", action="append", required=True, help="HOST:PORT client port")
    parser.add_argument("--secret-file", type=Path, help="the nodes' cluster secret, if any")
    parser.add_argument(
        "command", nargs="+", help="open ACCOUNT N | transfer FROM TO N | balance ACCOUNT | total"
    )
    args = parser.parse_args()
    secret = args.secret_file.read_bytes().strip() if args.secret_file else None
    asyncio.run(_main(args.node, args.command, secret))
