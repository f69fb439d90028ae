"""MemoryTransport: order, deferred delivery, cuts, isolation, peer events, membership."""

from __future__ import annotations

import pytest

from rabia.core.messages import Status
from rabia.transport.base import PeerEvent
from rabia.transport.memory import MemoryNetwork, MemoryTransport

from .helpers import Inbox, run, settle, vote, wait_until

MEMBERS = [1, 2, 3]


async def _cluster(
    network: MemoryNetwork,
) -> list[tuple[MemoryTransport, Inbox]]:
    nodes = [(MemoryTransport(network, i, MEMBERS), Inbox()) for i in MEMBERS]
    for transport, inbox in nodes:
        await transport.start(inbox.deliver, inbox.status)
    return nodes


@pytest.mark.parametrize("encode", [False, True], ids=["objects", "codec"])
def test_order_and_no_reentrant_delivery(encode: bool) -> None:
    async def main() -> None:
        nodes = await _cluster(MemoryNetwork(encode=encode))
        (t1, _), (_, inbox2), (_, inbox3) = nodes
        for slot in range(100):
            t1.send(2, vote(1, slot))
        t1.broadcast(vote(1, 100))
        assert inbox2.messages == []  # nothing delivered inside send
        await inbox2.until(lambda: len(inbox2.messages) == 101)
        assert [m.slot for m in inbox2.messages] == list(range(101))  # type: ignore[union-attr]
        await inbox3.until(lambda: len(inbox3.messages) == 1)
        assert inbox2.messages[0] == vote(1, 0)
        assert t1.stats[2]["sent"] == 101
        assert t1.connected() == frozenset({2, 3})
        for transport, _ in nodes:
            await transport.close()

    run(main)


def test_cut_restore_isolate_heal() -> None:
    async def main() -> None:
        network = MemoryNetwork()
        nodes = await _cluster(network)
        (t1, inbox1), (t2, inbox2), (t3, inbox3) = nodes
        await inbox1.until(lambda: len(inbox1.events) == 2)

        network.cut(1, 2)
        t1.send(2, vote(1, 1))
        t2.send(1, vote(2, 1))
        t1.send(3, vote(1, 1))
        await inbox3.until(lambda: len(inbox3.messages) == 1)
        await settle()
        assert inbox2.messages == [] and inbox1.messages == []
        assert t1.stats[2]["dropped"] == 1
        assert t1.connected() == frozenset({3})
        assert (2, PeerEvent.DOWN) in inbox1.events

        t1.send(3, vote(1, 2))
        network.cut(1, 3)  # in flight when cut: lost
        await settle()
        assert len(inbox3.messages) == 1
        assert t3.stats[1]["dropped_in_flight"] == 1

        network.restore(1, 2)
        network.restore(1, 3)
        t1.send(2, vote(1, 3))
        await inbox2.until(lambda: len(inbox2.messages) == 1)

        network.isolate(2)
        assert t2.connected() == frozenset()
        t3.broadcast(vote(3, 4))
        await inbox1.until(lambda: bool(inbox1.from_(3)))
        await settle()
        assert not inbox2.from_(3)

        network.heal()
        assert all(t.connected() == frozenset(MEMBERS) - {t.node_id} for t, _ in nodes)
        t3.broadcast(vote(3, 5))
        await inbox2.until(lambda: bool(inbox2.from_(3)))
        for transport, _ in nodes:
            await transport.close()
        await settle()
        assert t1.connected() == frozenset()

    run(main)


def test_closed_node_goes_down_for_the_others() -> None:
    async def main() -> None:
        nodes = await _cluster(MemoryNetwork())
        (t1, inbox1), (t2, _), (t3, _) = nodes
        await t2.close()
        await t2.close()
        await inbox1.until(lambda: (2, PeerEvent.DOWN) in inbox1.events)
        assert t1.connected() == frozenset({3})
        t1.send(2, vote(1))
        assert t1.stats[2]["dropped"] == 1
        with pytest.raises(ValueError):
            t1.send(1, vote(1))
        await t1.close()
        await t3.close()

    run(main)


def test_add_and_remove_peer() -> None:
    async def main() -> None:
        network = MemoryNetwork()
        got: list[object] = []
        a = MemoryTransport(network, 0, [0, 1])
        c = MemoryTransport(network, 2, [0, 2])
        await a.start(lambda m: None)
        await c.start(got.append)
        a.add_peer(2, ("127.0.0.1", 1))
        a.send(2, Status(3, 0))
        await wait_until(lambda: len(got) == 1)
        a.remove_peer(2)
        assert 2 not in a.peers
        await a.close()
        await c.close()

    run(main)
