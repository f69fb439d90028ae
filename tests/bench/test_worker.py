"""The bench worker's machine and load operations (``rabia.bench.worker``), in process."""

from __future__ import annotations

import asyncio

import pytest

from rabia.bench.worker import LOG_READ, QUERY, CountingMachine, _operation, bench_machine
from rabia.objects.batteries import ReplCounter
from rabia.runtime import Node, NodeConfig
from rabia.transport.memory import MemoryNetwork, MemoryTransport


def test_the_machine_counts_writes_and_answers_reads_unchanged() -> None:
    machine = CountingMachine()
    assert machine.apply(b"0123456789") == (1).to_bytes(8, "big")
    assert machine.apply(LOG_READ) == (1).to_bytes(8, "big")
    assert machine.query(QUERY) == (1).to_bytes(8, "big") and machine.count == 1


def test_each_operation_goes_its_way_through_a_node() -> None:
    async def main() -> list[bytes]:
        machine = CountingMachine()
        members = {0: "127.0.0.1:7000"}
        transport = MemoryTransport(MemoryNetwork(), 0, members)
        node = Node(NodeConfig(0, members), machine, transport=transport)
        await node.start()
        try:
            answers = [
                await _operation(node, op, b"v", 5.0)()
                for op in ("write", "write", "log-read", "barrier-read")
            ]
            assert node.stats()["reads_released"] == 1
            return answers
        finally:
            await node.stop()

    counts = [int.from_bytes(a, "big") for a in asyncio.run(main())]
    assert counts == [1, 2, 2, 2]


def test_the_objects_api_adds_one_through_a_local_proxy_of_the_counter() -> None:
    async def main() -> list[object]:
        machine = bench_machine("objects")
        assert isinstance(machine, ReplCounter)
        members = {0: "127.0.0.1:7000"}
        transport = MemoryTransport(MemoryNetwork(), 0, members)
        node = Node(NodeConfig(0, members), machine, transport=transport)
        await node.start()
        try:
            with pytest.raises(ValueError, match="writes"):
                _operation(node, "barrier-read", b"v", 5.0, "objects")
            add = _operation(node, "write", b"v", 5.0, "objects")
            answers = [await add(), await add()]
            assert machine.value == 2
            return answers
        finally:
            await node.stop()

    assert asyncio.run(main()) == [1, 2]
    assert isinstance(bench_machine("raw"), CountingMachine)
