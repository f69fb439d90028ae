"""Replicated classes shared by the tests of rabia.objects."""

from __future__ import annotations

import asyncio

import msgspec

from rabia.objects import Replicated, command, query


class Overdrawn(Exception):
    def __init__(self, account: str, missing: int) -> None:
        super().__init__(account, missing)
        self.account = account
        self.missing = missing


class Ledger(Replicated, errors=(Overdrawn,)):
    balances: dict[str, int] = msgspec.field(default_factory=dict)
    history: list[str] = []
    moves: int = 0

    @command
    async def deposit(self, account: str, amount: int) -> int:
        self.balances[account] = self.balances.get(account, 0) + amount
        self.history.append(f"+{account}")
        self.moves += 1
        return self.balances[account]

    @command
    async def withdraw(self, account: str, amount: int, *, note: str = "") -> int:
        self.balances[account] = self.balances.get(account, 0) - amount
        self.history.append(f"-{account}{note}")
        self.moves += 1
        if self.balances[account] < 0:
            raise Overdrawn(account, -self.balances[account])
        return self.balances[account]

    @command
    async def crash(self, message: str) -> None:
        self.moves += 100
        raise ValueError(message)

    @command(rollback=False)
    async def crash_keeping(self) -> None:
        self.moves += 100
        raise ValueError("kept")

    @command
    async def stamp(self) -> tuple[int, int]:
        return self.log_time(), self.random().randrange(1 << 30)

    @command
    async def sleepy(self) -> None:
        await asyncio.sleep(0)

    @command
    async def wrong_result(self) -> int:
        return "not an int"  # type: ignore[return-value]

    @query
    async def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    @query
    async def now(self) -> int:
        return self.log_time()


class Unsafe(Replicated, rollback=False):
    value: int = 0

    @command
    async def bump_and_fail(self) -> None:
        self.value += 1
        raise RuntimeError("no rollback here")
