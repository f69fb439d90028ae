"""Replicated bank accounts: transfers keep the total balance invariant on every replica.

Deterministic by construction: no uuid4, no wall clock, no randomness inside ``apply``;
account ids and amounts travel inside the command. Commands (JSON):

    {"op": "open", "account": "alice", "amount": 100}
    {"op": "transfer", "from": "alice", "to": "bob", "amount": 30}
    {"op": "balance", "account": "alice"}
    {"op": "total"}

Run three nodes with ``--machine examples/banking.py:Bank`` (see examples/counter.py),
then ``python examples/banking.py --node 127.0.0.1:7100 '{"op": "total"}'``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from rabia.api import StateMachine
from rabia.client import Client


class Bank(StateMachine):
    """Accounts with non-negative balances; a transfer either fully happens or not."""

    def __init__(self) -> None:
        self.accounts: dict[str, int] = {}

    def apply(self, command: bytes) -> bytes:
        try:
            request = json.loads(command)
            result = self._apply(request)
        except (ValueError, KeyError, TypeError) as exc:
            result = {"ok": False, "error": f"bad command: {exc}"}
        return json.dumps(result, sort_keys=True).encode()

    def _apply(self, request: dict[str, object]) -> dict[str, object]:
        op = request["op"]
        if op == "open":
            account, amount = str(request["account"]), _amount(request["amount"])
            if account in self.accounts:
                return {"ok": False, "error": "account exists"}
            self.accounts[account] = amount
            return {"ok": True, "balance": amount}
        if op == "transfer":
            source, target = str(request["from"]), str(request["to"])
            amount = _amount(request["amount"])
            if source not in self.accounts or target not in self.accounts:
                return {"ok": False, "error": "no such account"}
            if self.accounts[source] < amount:
                return {"ok": False, "error": "insufficient funds"}
            self.accounts[source] -= amount
            self.accounts[target] += amount
            return {"ok": True}
        if op == "balance":
            account = str(request["account"])
            if account not in self.accounts:
                return {"ok": False, "error": "no such account"}
            return {"ok": True, "balance": self.accounts[account]}
        if op == "total":
            return {
                "ok": True,
                "total": sum(self.accounts.values()),
                "accounts": len(self.accounts),
            }
        return {"ok": False, "error": f"unknown op {op!r}"}

    def snapshot(self) -> bytes:
        return json.dumps(self.accounts, sort_keys=True).encode()

    def restore(self, data: bytes) -> None:
        self.accounts = {str(k): int(v) for k, v in json.loads(data).items()}


def _amount(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("amount must be a non-negative integer")
    return value


async def _main(nodes: list[str], command: str, secret: bytes | None) -> None:
    async with Client(nodes, secret=secret) as client:
        print((await client.submit(command.encode())).decode())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Talk to the replicated bank.")
    parser.add_argument("--node", action="append", required=True, help="HOST:PORT client port")
    parser.add_argument("--secret-file", type=Path, help="the nodes' cluster secret, if any")
    parser.add_argument("command", help="a JSON command")
    args = parser.parse_args()
    secret = args.secret_file.read_bytes().strip() if args.secret_file else None
    asyncio.run(_main(args.node, args.command, secret))
