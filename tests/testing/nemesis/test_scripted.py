"""The ``lua-register`` workload's compare-and-set, against a real KV machine: a cas by
EVALSHA of the loaded script, a failed cas, and the NOSCRIPT fallback counted and
reported by its check."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from rabia.kv import KVMachine, encode_command
from rabia.testing.nemesis.clients import RequestFailed, _decode_resp
from rabia.testing.nemesis.history import History
from rabia.testing.nemesis.scripted import LuaRegister
from rabia.testing.nemesis.workloads import Context


class MachineCaller:
    """Applies each command to one KV machine, as a node would, and decodes the reply."""

    def __init__(self, machine: KVMachine) -> None:
        self.machine = machine
        self.now = 1_000_000
        self.sent: list[str] = []

    async def call(self, *args: bytes | str | int) -> Any:
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.sent.append(parts[0].decode().upper())
        self.now += 1000
        return _decode_resp(self.machine.apply_at(encode_command(parts), self.now))


def _workload() -> LuaRegister:
    ctx = Context(History(), random.Random(1), resp=[("127.0.0.1", 1)], clients=[])
    return LuaRegister(ctx)


def test_cas_by_script_sets_only_what_it_expects() -> None:
    machine = KVMachine()
    client, workload = MachineCaller(machine), _workload()

    async def go() -> tuple[bool, bool]:
        await client.call("SET", "k", 1)
        first = await workload.compare_and_set(client, "k", 1, 2)
        second = await workload.compare_and_set(client, "k", 1, 3)
        return first, second

    assert asyncio.run(go()) == (True, False)
    assert asyncio.run(client.call("GET", "k")) == b"2"
    assert client.sent == ["SET", "SCRIPT", "EVALSHA", "EVALSHA", "GET"]
    assert workload.unknown_script == 0


def test_a_script_the_node_forgot_is_run_by_eval_and_reported() -> None:
    machine = KVMachine()
    client, workload = MachineCaller(machine), _workload()

    async def go() -> bool:
        await client.call("SET", "k", 5)
        assert await workload.compare_and_set(client, "k", 5, 6)
        await client.call("SCRIPT", "FLUSH")  # as if the cache were not replicated
        return await workload.compare_and_set(client, "k", 6, 7)

    assert asyncio.run(go()) is True
    assert workload.unknown_script == 1
    (known,) = [c for c in workload.check(0.0) if c.name == "scripts known at every node"]
    assert known.ok is False and "1 NOSCRIPT" in known.detail


def test_an_error_other_than_noscript_is_not_retried() -> None:
    machine = KVMachine()
    client, workload = MachineCaller(machine), _workload()

    async def go() -> None:
        await client.call("HSET", "k", "f", "v")
        await workload.compare_and_set(client, "k", 1, 2)

    try:
        asyncio.run(go())
    except RequestFailed as exc:
        assert "WRONGTYPE" in str(exc)
    else:
        raise AssertionError("a WRONGTYPE answer must fail the cas")
    assert workload.unknown_script == 0
