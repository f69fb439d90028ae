"""Proxies: embedded in real nodes (loopback TCP), and their error mapping."""

from __future__ import annotations

import asyncio

import pytest

from rabia.objects import BadCall, BadReply, CommandFailed, local, remote
from rabia.runtime import Node, NodeConfig
from tests.objects.samples import Ledger, Overdrawn, Unsafe
from tests.support import tcp_nodes


class Direct:
    """A channel straight into one object (no log), counting what it is sent."""

    def __init__(self, machine: Ledger) -> None:
        self.machine = machine
        self.sent: list[str] = []

    async def submit(self, command: bytes, /) -> bytes:
        self.sent.append("submit")
        return self.machine.apply_at(command, 1)

    async def read(self, query: bytes, /) -> bytes:
        self.sent.append("read")
        return self.machine.query(query)


def test_embedded_nodes_share_one_object_and_queries_skip_the_log() -> None:
    async def main() -> None:
        async with tcp_nodes(Ledger) as nodes:
            ledgers = [local(Ledger, node) for node in nodes]
            await asyncio.gather(*(ledgers[k % 3].deposit("a", 1) for k in range(30)))
            with pytest.raises(Overdrawn) as caught:
                await ledgers[1].withdraw("a", 40)
            assert caught.value.args == ("a", 10)
            with pytest.raises(CommandFailed, match="crash raised ValueError: boom"):
                await ledgers[2].crash("boom")
            assert [await ledger.balance("a") for ledger in ledgers] == [30] * 3
            assert len({node.machine.snapshot() for node in nodes}) == 1

    asyncio.run(main())


def test_local_checks_the_class_of_the_nodes_machine() -> None:
    node = Node(NodeConfig(0, {0: "127.0.0.1:1"}), Ledger())
    with pytest.raises(TypeError, match="replicates a Ledger, not a Unsafe"):
        local(Unsafe, node)


def test_commands_submit_queries_read_and_wrong_calls_send_nothing() -> None:
    channel = Direct(Ledger())
    ledger = remote(Ledger, channel)

    async def main() -> None:
        assert await ledger.deposit("a", 3) == 3
        assert await ledger.balance("a") == 3
        with pytest.raises(BadCall, match="argument `amount`"):
            await ledger.deposit("a", "three")  # type: ignore[arg-type]
        with pytest.raises(BadReply):
            await ledger.wrong_result()

    asyncio.run(main())
    assert channel.sent == ["submit", "read", "submit"]


def test_the_proxy_has_methods_only() -> None:
    ledger = remote(Ledger, Direct(Ledger()))
    with pytest.raises(AttributeError, match="not a @command or @query"):
        _ = ledger.balances
    assert ledger.deposit is ledger.deposit  # built once
    assert "proxy of Ledger" in repr(ledger)


def test_a_bad_call_answered_by_a_replica_is_raised_as_bad_call() -> None:
    class Garbling(Direct):
        async def submit(self, command: bytes, /) -> bytes:
            return await super().submit(b"\xc1")

    with pytest.raises(BadCall, match="undecodable call"):
        asyncio.run(remote(Ledger, Garbling(Ledger())).deposit("a", 1))


def test_a_declared_error_that_cannot_be_rebuilt_is_a_command_failed() -> None:
    class Lying(Direct):
        async def submit(self, command: bytes, /) -> bytes:
            return b"\x94\x01\xa9Overdrawn\xa1m\x90"  # Overdrawn with no args

    with pytest.raises(CommandFailed, match="Overdrawn: m"):
        asyncio.run(remote(Ledger, Lying(Ledger())).deposit("a", 1))
