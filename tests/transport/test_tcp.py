"""TcpTransport on loopback: exchange, authentication, TLS, reconnects, bounded queues."""

from __future__ import annotations

import logging

import pytest

from rabia.core.messages import Batch, Command, FetchReply, Status, Vote
from rabia.transport.base import PeerEvent
from rabia.transport.tcp import TcpTransport

from .helpers import (
    HOST,
    SECRET,
    Inbox,
    StalledListener,
    close_all,
    dead_port,
    exchange,
    loop_factory,
    run,
    start_cluster,
    tls_contexts,
    vote,
    wait_until,
    warnings_of,
)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("secret", [None, SECRET], ids=["plain", "secret"])
def test_three_nodes_exchange_both_ways(secret: bytes | None, loop: str) -> None:
    async def main() -> None:
        nodes = await start_cluster([1, 2, 3], options=lambda i: {"secret": secret})
        for slot in range(3):
            await exchange(nodes, slot)
        (t1, _), (_, inbox2), _ = nodes
        t1.send(2, vote(1, slot=99))
        await inbox2.until(lambda: any(m.slot == 99 for m in inbox2.from_(1)))  # type: ignore[union-attr]
        assert all(event is PeerEvent.UP for _, inbox in nodes for _, event in inbox.events)
        assert t1.stats[2]["sent"] == 4
        assert t1.stats[2]["dropped"] == 0
        await close_all(nodes)

    run(main, loop_factory=loop_factory(loop))


def test_per_link_order_and_explicit_flush() -> None:
    async def main() -> None:
        nodes = await start_cluster([1, 2])
        (t1, _), (_, inbox2) = nodes
        for slot in range(500):
            t1.send(2, vote(1, slot))
            if slot % 100 == 99:
                t1.flush()
        await inbox2.until(lambda: len(inbox2.messages) == 500)
        assert [m.slot for m in inbox2.messages] == list(range(500))  # type: ignore[union-attr]
        assert t1.stats[2]["sent"] == 500
        await close_all(nodes)

    run(main)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_tls_with_secret(loop: str) -> None:
    server_ssl, client_ssl = tls_contexts()

    def options(_: int) -> dict[str, object]:
        return {"secret": SECRET, "server_ssl": server_ssl, "client_ssl": client_ssl}

    async def main() -> None:
        nodes = await start_cluster([1, 2, 3], options=options)
        await exchange(nodes, 0)
        await exchange(nodes, 1)
        await close_all(nodes)

    run(main, loop_factory=loop_factory(loop))


def test_reconnect_after_listener_restarts() -> None:
    async def main() -> None:
        nodes = await start_cluster([1, 2])
        (t1, inbox1), (t2, _) = nodes
        address2 = t2.listen_address
        await t2.close()
        await inbox1.until(lambda: (2, PeerEvent.DOWN) in inbox1.events)
        assert t1.connected() == frozenset()
        t1.send(2, vote(1))
        assert t1.stats[2]["dropped"] == 1

        t2b = TcpTransport(
            2, address2, {1: t1.listen_address}, cluster_id="test-cluster", reconnect_max=0.2
        )
        inbox2b = Inbox()
        await t2b.start(inbox2b.deliver, inbox2b.status)
        await inbox1.until(lambda: inbox1.events.count((2, PeerEvent.UP)) == 2)
        await inbox2b.until(lambda: 1 in t2b.connected())
        await exchange([(t1, inbox1), (t2b, inbox2b)], slot=7)
        assert t1.stats[2]["reconnects"] == 1
        await close_all([(t1, inbox1), (t2b, inbox2b)])

    run(main)


def test_dead_peer_drops_without_blocking() -> None:
    async def main() -> None:
        with dead_port() as nowhere:
            t1 = TcpTransport(1, (HOST, 0), {2: nowhere}, cluster_id="c")
            await t1.start(Inbox().deliver)
            for slot in range(1000):
                t1.send(2, vote(1, slot))
            t1.broadcast(vote(1))
            t1.flush()
            assert t1.stats[2] == {"sent": 0, "dropped": 1001, "reconnects": 0}
            assert t1.connected() == frozenset()
            await t1.close()
            await t1.close()  # idempotent
            assert t1.open_connections == 0

    run(main)


def test_slow_peer_overflows_its_queue_but_not_the_others() -> None:
    big = FetchReply(0, 1, Batch.of((1, 0, 0), 0, (Command(1, 0, b"x" * 32768),)))

    async def main() -> None:
        stalled = StalledListener(2)  # peer 2 accepts the link, then reads nothing
        address2 = await stalled.start()
        nodes = await start_cluster(
            [1, 3], absent={2: address2}, options=lambda i: {"max_queued_bytes": 65536}
        )
        (t1, inbox1), (_, inbox3) = nodes
        await inbox1.until(lambda: 2 in t1.connected())
        rounds = 0
        while t1.stats[2]["dropped"] == 0:
            assert rounds < 2000, "the stalled peer's queue never filled"
            t1.send(2, big)
            t1.send(3, big)
            t1.flush()
            rounds += 1
            await inbox3.until(lambda r=rounds: len(inbox3.messages) == r)  # type: ignore[misc]
        assert t1.stats[3] == {"sent": rounds, "dropped": 0, "reconnects": 0}
        assert 2 in t1.connected()
        await exchange(nodes, slot=5)
        await close_all(nodes)
        await stalled.close()

    run(main, timeout=20)


def test_wrong_secret_cannot_join(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="rabia.transport")

    async def main() -> None:
        with dead_port() as nowhere:
            nodes = await start_cluster([1, 2], absent={3: nowhere}, options=_with_secret)
            (t1, inbox1), _ = nodes
            intruder = TcpTransport(
                3, (HOST, 0), {1: t1.listen_address}, cluster_id="test-cluster", secret=b"guess"
            )
            await intruder.start(Inbox().deliver)
            await wait_until(lambda: len(warnings_of(caplog)) >= 2)
            listener_side = [r for r in warnings_of(caplog) if "refused connection" in r.message]
            dialer_side = [r for r in warnings_of(caplog) if "dropped link to peer 1" in r.message]
            assert listener_side and "during the handshake" in listener_side[0].message
            assert dialer_side and "wrong HMAC" in dialer_side[0].message
            assert intruder.connected() == frozenset()
            intruder.send(1, vote(3))
            assert intruder.stats[1]["sent"] == 0
            await exchange(nodes, 0)
            assert not inbox1.from_(3)
            await intruder.close()
            await close_all(nodes)

    run(main)


def test_open_connections_are_tracked_and_closed() -> None:
    async def main() -> None:
        nodes = await start_cluster([1, 2, 3])
        for transport, _ in nodes:
            assert transport.open_connections == 4  # two dialed, two accepted
        await close_all(nodes)

    run(main)


def test_unknown_destination_is_an_error() -> None:
    t = TcpTransport(1, (HOST, 0), {1: (HOST, 0), 2: (HOST, 0)}, cluster_id="c")
    assert t.peers == frozenset({2})
    with pytest.raises(ValueError):
        t.send(1, Vote(0, 1, 1, 0))


def _with_secret(_: int) -> dict[str, object]:
    return {"secret": SECRET}


def test_add_and_remove_peer() -> None:
    async def main() -> None:
        got: dict[int, list[object]] = {0: [], 1: [], 2: []}
        a = TcpTransport(0, (HOST, 0), {1: (HOST, 1)}, cluster_id="c")
        b = TcpTransport(1, (HOST, 0), {0: (HOST, 1)}, cluster_id="c")
        c = TcpTransport(2, (HOST, 0), {0: (HOST, 1)}, cluster_id="c")
        for t in (a, b, c):
            await t.listen()
        a.set_peer_address(1, b.listen_address)
        b.set_peer_address(0, a.listen_address)
        c.set_peer_address(0, a.listen_address)
        for i, t in enumerate((a, b, c)):
            await t.start(got[i].append)
        try:
            await wait_until(lambda: a.connected() == {1})
            a.add_peer(2, c.listen_address)  # node 0 learns of node 2
            await wait_until(lambda: a.connected() == {1, 2})
            a.send(2, Status(7, 0))
            a.flush()
            await wait_until(lambda: len(got[2]) == 1)
            a.remove_peer(1)
            assert a.connected() == {2} and a.peers == {2}
            await wait_until(lambda: a.inbound_peers == {2})  # node 1's link in was closed too
        finally:
            for t in (a, b, c):
                await t.close()

    run(main)
