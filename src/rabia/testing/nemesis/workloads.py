"""Workloads: what the clients do during a run, the final reads, and the checks.

- ``register``: read / write / cas over keys that roll over every few dozen operations
  (short per-key histories keep the linearizability search small); written values are
  unique integers; cas is WATCH, GET, MULTI, SET, EXEC (a nil EXEC is a failed cas).
- ``set``: adds are ``SET set:<n> <n>`` of unique n; reads (and the final reads) are
  ``KEYS set:*``.
- ``append``: ``APPEND`` of unique tokens to rolling keys, and ``GET``s; half of the
  clients go through the client port with exactly-once retries across nodes, so a
  command applied twice shows up as a repeated token.

Each client task has a process id, talks to one node and moves to the next after a
failure; after an ``info`` it continues under a new process id, as the old one may still
have an operation in flight forever.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rabia.testing.nemesis.checks import Check, check_append, check_register, check_set
from rabia.testing.nemesis.clients import Caller, Outcome, RequestFailed, RespClient, SessionClient
from rabia.testing.nemesis.faults import hold
from rabia.testing.nemesis.history import History

Action = Callable[[], Awaitable[tuple[Outcome, Any]]]


@dataclass
class Context:
    """What every workload runs against."""

    history: History
    rng: random.Random
    resp: list[tuple[str, int]]
    """Redis port of every node."""
    clients: list[tuple[str, int]]
    """Client port of every node."""
    timeout: float = 2.0
    """Seconds a request may take before its outcome is unknown."""
    think: float = 0.05
    """Mean seconds a client waits between two operations."""
    sticky: bool = False
    """RESP clients stay on their node after failures instead of moving to the next."""


class Keys:
    """Keys ``<prefix><generation>.<i>``: a new generation every ``per_generation`` ops."""

    def __init__(self, prefix: str, width: int = 4, per_generation: int = 100) -> None:
        self.prefix = prefix
        self.width = width
        self.per_generation = per_generation
        self.ops = 0
        self.touched: list[str] = []

    def pick(self, rng: random.Random) -> str:
        """A key of the current generation."""
        generation = self.ops // self.per_generation
        self.ops += 1
        key = f"{self.prefix}{generation}.{rng.randrange(self.width)}"
        if key not in self.touched:
            self.touched.append(key)
        return key


class Workload(ABC):
    """Client behaviour, final reads and checks of one kind of run."""

    name: ClassVar[str]
    model: ClassVar[str | None] = None
    """The linearizability checker's model for this history (None: not applicable)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.history = ctx.history
        self.values = itertools.count(1)
        self.errors: dict[str, int] = {}
        """Why requests failed (reason -> count), for the run's files."""

    def client(self, index: int) -> Caller:
        """Worker ``index``'s client (its home node is ``index mod n``)."""
        return RespClient(self.ctx.resp, index, self.ctx.timeout, self.ctx.sticky)

    async def worker(self, index: int, stop: asyncio.Event) -> None:
        """Issue operations until ``stop``; each one is recorded."""
        rng = random.Random(self.ctx.rng.random())
        client = self.client(index)
        process = self.history.new_process()
        try:
            while not stop.is_set():
                if await self.step(client, process, rng) == "info":
                    process = self.history.new_process()
                await hold(stop, rng.expovariate(1 / self.ctx.think))
        finally:
            await client.aclose()

    async def perform(
        self, process: int, f: str, key: str, value: Any, action: Action
    ) -> tuple[Outcome, Any]:
        """Record the invocation, run ``action``, record its completion."""
        invocation = self.history.invoke(process, f, key, value)
        try:
            outcome, result = await action()
        except RequestFailed as exc:
            outcome, result = exc.outcome, None
            self.errors[str(exc)] = self.errors.get(str(exc), 0) + 1
        except Exception as exc:  # a reply the workload did not expect: outcome unknown
            outcome, result = "info", None
            reason = f"unexpected {type(exc).__name__}: {exc}"
            self.errors[reason] = self.errors.get(reason, 0) + 1
        self.history.complete(invocation, outcome, result)
        return outcome, result

    @abstractmethod
    async def step(self, client: Caller, process: int, rng: random.Random) -> Outcome:
        """One operation."""

    @abstractmethod
    async def final_reads(self, deadline: float) -> list[str]:
        """Read everything at every node (recorded) until the loop time ``deadline``;
        returns the reads that did not succeed."""

    @abstractmethod
    def check(self, final_from: float) -> list[Check]:
        """The workload's checks over the history."""

    async def read_at(
        self, node: int, f: str, key: str, args: tuple[str, ...], decode: Callable[[Any], Any]
    ) -> bool:
        """One recorded read at ``node`` (a new process); True if it succeeded."""
        client = RespClient(self.ctx.resp, node, self.ctx.timeout)

        async def read() -> tuple[Outcome, Any]:
            return "ok", decode(await client.call(*args))

        try:
            outcome, _ = await self.perform(self.history.new_process(), f, key, None, read)
        finally:
            client.close()
        return outcome == "ok"

    async def read_everywhere(
        self,
        f: str,
        keys: list[str],
        args: Callable[[str], tuple[str, ...]],
        decode: Any,
        deadline: float,
    ) -> list[str]:
        """Read each key at each node (up to 5 tries each, none after ``deadline``);
        the reads that never worked."""
        loop = asyncio.get_running_loop()
        failures = []
        for key in keys:
            for node in range(len(self.ctx.resp)):
                for _ in range(5):
                    if loop.time() >= deadline:
                        break
                    if await self.read_at(node, f, key, args(key), decode):
                        break
                else:
                    failures.append(f"{f} {key} at node {node}")
                    continue
                if loop.time() >= deadline:
                    failures.append(f"{f} {key} at node {node} (out of time)")
        return failures


def _int_or_none(reply: Any) -> int | None:
    return None if reply is None else int(reply)


class Register(Workload):
    """read / write / cas with unique values."""

    name = "register"
    model = "register"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.keys = Keys("r")
        self.last: dict[str, int] = {}
        """The last value seen per key: what a cas expects."""

    async def step(self, client: Caller, process: int, rng: random.Random) -> Outcome:
        key = self.keys.pick(rng)
        draw = rng.random()
        if draw < 0.45:

            async def read() -> tuple[Outcome, Any]:
                value = _int_or_none(await client.call("GET", key))
                if value is not None:
                    self.last[key] = value
                return "ok", value

            return (await self.perform(process, "read", key, None, read))[0]
        value = next(self.values)
        if draw < 0.8 or key not in self.last:

            async def write() -> tuple[Outcome, Any]:
                await client.call("SET", key, value)
                self.last[key] = value
                return "ok", None

            return (await self.perform(process, "write", key, value, write))[0]
        expected = self.last[key]

        async def cas() -> tuple[Outcome, Any]:
            if not await self.compare_and_set(client, key, expected, value):
                return "fail", None
            self.last[key] = value
            return "ok", None

        return (await self.perform(process, "cas", key, [expected, value], cas))[0]

    async def compare_and_set(self, client: Caller, key: str, expected: int, value: int) -> bool:
        """Set ``key`` to ``value`` if it holds ``expected``: WATCH, GET, MULTI, SET, EXEC.
        False when it did not hold it; ``RequestFailed`` when the outcome is not known."""
        resp = client if isinstance(client, RespClient) else None
        try:
            try:
                await client.call("WATCH", key)
                if resp is not None:
                    resp.pinned = True  # the rest must go where the WATCH went
                if _int_or_none(await client.call("GET", key)) != expected:
                    await client.call("UNWATCH")
                    return False
                await client.call("MULTI")
                await client.call("SET", key, value)
            except RequestFailed as exc:
                if resp is not None:
                    resp.close()  # leave no MULTI or WATCH state behind
                raise RequestFailed("fail", f"before EXEC: {exc}") from None
            return await client.call("EXEC") is not None
        finally:
            if resp is not None:
                resp.pinned = False

    async def final_reads(self, deadline: float) -> list[str]:
        return await self.read_everywhere(
            "read", self.keys.touched, lambda key: ("GET", key), _int_or_none, deadline
        )

    def check(self, final_from: float) -> list[Check]:
        return check_register(self.history.ops, final_from)


def _members(reply: Any) -> list[int]:
    return sorted(int(key[4:]) for key in reply)


class SetWorkload(Workload):
    """Unique adds as keys ``set:<n>``; whole-set reads with ``KEYS``."""

    name = "set"

    async def step(self, client: Caller, process: int, rng: random.Random) -> Outcome:
        if rng.random() < 0.1:

            async def read() -> tuple[Outcome, Any]:
                return "ok", _members(await client.call("KEYS", "set:*"))

            return (await self.perform(process, "read", "set:*", None, read))[0]
        element = next(self.values)

        async def add() -> tuple[Outcome, Any]:
            await client.call("SET", f"set:{element}", element)
            return "ok", None

        return (await self.perform(process, "put", f"set:{element}", element, add))[0]

    async def final_reads(self, deadline: float) -> list[str]:
        return await self.read_everywhere(
            "read", ["set:*"], lambda key: ("KEYS", key), _members, deadline
        )

    def check(self, final_from: float) -> list[Check]:
        return check_set(self.history.ops, final_from)


def _tokens(reply: Any) -> list[int]:
    return [] if reply is None else [int(t) for t in reply.split(b",") if t]


class Append(Workload):
    """Unique tokens appended to rolling keys; reads return the token lists."""

    name = "append"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.keys = Keys("a", per_generation=150)

    def client(self, index: int) -> Caller:
        if index % 2:
            return SessionClient(self.ctx.clients, index, self.ctx.timeout)
        return super().client(index)

    async def step(self, client: Caller, process: int, rng: random.Random) -> Outcome:
        key = self.keys.pick(rng)
        if rng.random() < 0.3:

            async def read() -> tuple[Outcome, Any]:
                return "ok", _tokens(await client.call("GET", key))

            return (await self.perform(process, "get", key, None, read))[0]
        token = next(self.values)

        async def append() -> tuple[Outcome, Any]:
            await client.call("APPEND", key, f"{token},")
            return "ok", None

        return (await self.perform(process, "append", key, token, append))[0]

    async def final_reads(self, deadline: float) -> list[str]:
        return await self.read_everywhere(
            "get", self.keys.touched, lambda key: ("GET", key), _tokens, deadline
        )

    def check(self, final_from: float) -> list[Check]:
        return check_append(self.history.ops, final_from)
