"""A replicated object served by real `rabia node` processes, called through a proxy."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import pytest

from rabia.client import Client
from rabia.objects import BadCall, CommandFailed, remote
from tests.e2e.cluster import ROOT, ProcessCluster
from tests.e2e.conftest import wait_converged
from tests.objects.samples import Ledger, Overdrawn

MakeCluster = Callable[..., ProcessCluster]
SECRET = b"objects e2e secret"
LEDGER = f"{ROOT / 'tests' / 'objects' / 'samples.py'}:Ledger"


def test_a_remote_object_survives_a_killed_node_exactly_once(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(LEDGER, secret=SECRET)
    cluster.start()

    async def main() -> None:
        async with Client(cluster.addresses(), secret=SECRET, timeout=10.0) as client:
            ledger = remote(Ledger, client)
            for _ in range(20):
                await ledger.deposit("a", 1)
            cluster.kill(0, signal.SIGKILL)
            results = [await ledger.deposit("a", 1) for _ in range(20)]
            assert results == list(range(21, 41))  # each deposit applied once, in order
            with pytest.raises(Overdrawn):
                await ledger.withdraw("a", 100)
            with pytest.raises(CommandFailed, match="ValueError: remote"):
                await ledger.crash("remote")
            with pytest.raises(BadCall, match="argument `amount`"):
                await ledger.deposit("a", 1.5)  # type: ignore[arg-type]
            assert await ledger.balance("a") == 40
        same = await wait_converged(cluster.addresses(1, 2), secret=SECRET)
        assert len({s["machine_hash"] for s in same}) == 1, same
        for address in cluster.addresses(1, 2):
            async with Client([address], secret=SECRET) as client:
                assert await remote(Ledger, client).balance("a") == 40

    asyncio.run(main())
