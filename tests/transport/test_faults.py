"""FaultyTransport: cuts both ways and a seeded drop rate, around a MemoryTransport."""

from __future__ import annotations

from rabia.core.messages import Vote
from rabia.transport.base import PeerEvent
from rabia.transport.faults import FaultyTransport
from rabia.transport.memory import MemoryNetwork, MemoryTransport

from .helpers import Inbox, run, settle, vote

MEMBERS = [1, 2, 3]


def test_faulty_cut_restore_both_ways() -> None:
    async def main() -> None:
        network = MemoryNetwork()
        inner = [MemoryTransport(network, i, MEMBERS) for i in MEMBERS]
        faulty = FaultyTransport(inner[0])
        inbox1, inbox2, inbox3 = Inbox(), Inbox(), Inbox()
        await faulty.start(inbox1.deliver, inbox1.status)
        await inner[1].start(inbox2.deliver, inbox2.status)
        await inner[2].start(inbox3.deliver, inbox3.status)
        await inbox1.until(lambda: len(inbox1.events) == 2)

        faulty.cut(2)
        assert faulty.connected() == frozenset({3})
        assert inbox1.events[-1] == (2, PeerEvent.DOWN)
        faulty.broadcast(vote(1, 1))
        inner[1].send(1, vote(2, 1))
        await inbox3.until(lambda: len(inbox3.messages) == 1)
        await settle()
        assert inbox2.messages == [] and inbox1.messages == []
        assert faulty.dropped == 2

        faulty.restore(2)
        assert inbox1.events[-1] == (2, PeerEvent.UP)
        faulty.broadcast(vote(1, 2))
        faulty.flush()
        await inbox2.until(lambda: len(inbox2.messages) == 1)
        await faulty.close()
        for t in inner[1:]:
            await t.close()

    run(main)


def test_faulty_drop_rate_is_seeded() -> None:
    async def count(seed: int) -> int:
        network = MemoryNetwork()
        faulty = FaultyTransport(MemoryTransport(network, 1, [1, 2]), drop_rate=0.3, seed=seed)
        other = MemoryTransport(network, 2, [1, 2])
        inbox = Inbox()
        await faulty.start(Inbox().deliver)
        await other.start(inbox.deliver)
        for slot in range(200):
            faulty.send(2, Vote(slot, 1, 1, 0))
        await inbox.until(lambda: len(inbox.messages) == 200 - faulty.dropped)
        await faulty.close()
        await other.close()
        return len(inbox.messages)

    first = run(lambda: count(5))
    assert first == run(lambda: count(5))
    assert 100 < first < 180
