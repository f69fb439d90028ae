"""In-process nodes over the memory transport: the Node API and its errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from rabia.api import StateMachine
from rabia.errors import Rejected, Timeout, Unavailable
from rabia.runtime import Node, NodeConfig
from rabia.testing.proxy import LinkProxy
from rabia.transport.memory import MemoryNetwork, MemoryTransport
from tests.e2e.cluster import free_ports
from tests.support import poll_until


class Log(StateMachine):
    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def apply(self, command: bytes) -> bytes:
        if command == b"boom":
            raise RuntimeError("a buggy state machine")
        self.entries.append(command)
        return b"%d" % len(self.entries)

    def query(self, query: bytes) -> bytes:
        if query == b"len":
            return b"%d" % len(self.entries)
        return super().query(query)

    def snapshot(self) -> bytes:
        return b"\n".join(self.entries)

    def restore(self, data: bytes) -> None:
        self.entries = data.split(b"\n") if data else []


MEMBERS = {i: f"127.0.0.1:{7000 + i}" for i in range(3)}


def run_cluster(body: Callable[[list[Node], MemoryNetwork], Awaitable[None]], **kw: object) -> None:
    async def main() -> None:
        network = MemoryNetwork()
        nodes = [
            Node(
                NodeConfig(i, MEMBERS, **kw),  # type: ignore[arg-type]
                Log(),
                transport=MemoryTransport(network, i, MEMBERS),
            )
            for i in MEMBERS
        ]
        for node in nodes:
            await node.start()
        try:
            await body(nodes, network)
        finally:
            for node in nodes:
                await node.stop()
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not leftover, leftover

    asyncio.run(main())


async def peers_until(node: Node, condition: Callable[[frozenset[int]], bool]) -> None:
    """Wait (bounded) until ``node``'s connected peers satisfy ``condition``."""
    await poll_until(lambda: asyncio.sleep(0, node.transport.connected()), condition, timeout=5)


def test_submit_everywhere_and_agree() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        results = await asyncio.gather(*(nodes[k % 3].submit(b"c%d" % k) for k in range(60)))
        assert sorted(int(r) for r in results) == list(range(1, 61))
        await poll_until(
            lambda: asyncio.sleep(0, [n.stats()["applied_slot"] for n in nodes]),
            lambda slots: len(set(slots)) == 1,
            timeout=5,
        )
        assert len({n.state_hash for n in nodes}) == 1
        machines = [n.machine for n in nodes]
        assert all(m.entries == machines[0].entries for m in machines)  # type: ignore[attr-defined]

    run_cluster(body)


def test_batches_grow_under_load() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        await asyncio.gather(*(nodes[0].submit(b"x%d" % k) for k in range(500)))
        slots = nodes[0].stats()["slots_decided"]
        assert slots < 100, f"500 commands took {slots} slots: batching did not kick in"

    run_cluster(body)


def test_closed_loop_callers_share_slots_and_a_hold_ends_by_its_deadline() -> None:
    """The cohort hold (ADR 0021): 20 callers that each submit again on their reply
    end up in one batch per slot, not alternating halves; a command arriving when no
    cohort comes back still goes once the hold's deadline passes."""

    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        node = nodes[0]

        async def caller(k: int) -> None:
            for i in range(30):
                await node.submit(b"c%d-%d" % (k, i))

        before = node.stats()["slots_decided"]
        await asyncio.gather(*(caller(k) for k in range(20)))
        slots = node.stats()["slots_decided"] - before
        assert slots < 45, f"600 commands of 20 closed-loop callers took {slots} slots"
        await asyncio.gather(*(node.submit(b"pair%d" % k) for k in range(3)))
        assert node._batcher.hold_until is not None  # the batch of two was decided
        await asyncio.wait_for(node.submit(b"late"), 5)  # alone: goes at the deadline

    run_cluster(body, batch_hold_ms=20.0)


def test_errors() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        with pytest.raises(Rejected):
            await nodes[0].submit(b"x" * 2048)
        network.isolate(0)
        await peers_until(nodes[0], lambda peers: not peers)
        with pytest.raises(Unavailable):
            await nodes[0].submit(b"alone")
        network.heal()
        await peers_until(nodes[0], lambda peers: len(peers) == 2)
        # Accepted with a quorum in reach, then cut off before anything is sent: the
        # command cannot be decided in time (and may still apply later).
        pending = asyncio.ensure_future(nodes[2].submit(b"cut off", timeout=0.2))
        await asyncio.sleep(0)  # submit runs up to its wait; its drain is still queued
        network.isolate(2)
        with pytest.raises(Timeout):
            await pending
        network.heal()
        assert await nodes[2].submit(b"healed", timeout=5)

    run_cluster(body, max_command_bytes=1024)


def test_stop_fails_waiters_and_refuses_new_commands() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        network.isolate(0)
        network.isolate(1)
        pending = asyncio.ensure_future(nodes[2].submit(b"stuck"))
        await asyncio.sleep(0)
        await nodes[2].stop()
        with pytest.raises(Unavailable):
            await pending
        with pytest.raises(Unavailable):
            await nodes[2].submit(b"late")

    run_cluster(body)


def test_a_raising_state_machine_stops_the_node() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        with pytest.raises(Unavailable):
            await nodes[0].submit(b"boom", timeout=5)
        await poll_until(
            lambda: asyncio.sleep(0, [n.running for n in nodes]),
            lambda running: not any(running),
            timeout=5,
        )

    run_cluster(body)


def test_tcp_nodes_start_and_stop_without_leaks() -> None:
    ports = free_ports(3)
    members = {i: f"127.0.0.1:{ports[i]}" for i in range(3)}

    async def main() -> None:
        nodes = [Node(NodeConfig(i, members), Log()) for i in members]
        for node in nodes:
            await node.start()
        for node in nodes:
            await node.wait_for_quorum(timeout=10)
        results = await asyncio.gather(*(nodes[k % 3].submit(b"t%d" % k) for k in range(30)))
        assert sorted(int(r) for r in results) == list(range(1, 31))
        transports = [node.transport for node in nodes]
        for node in nodes:
            await node.stop()
        assert all(t.open_connections == 0 for t in transports)  # type: ignore[attr-defined]
        leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert not leftover, leftover

    asyncio.run(main())


def test_nodes_restart_from_their_storage_and_keep_every_write() -> None:
    from rabia.storage.memory import MemoryStorage

    async def main() -> None:
        network = MemoryNetwork()
        storages = {i: MemoryStorage("always") for i in MEMBERS}

        def make(i: int) -> Node:
            return Node(
                NodeConfig(i, MEMBERS),
                Log(),
                transport=MemoryTransport(network, i, MEMBERS),
                storage=storages[i],
            )

        nodes = [make(i) for i in MEMBERS]
        for node in nodes:
            await node.start()
        first = await asyncio.gather(*(nodes[k % 3].submit(b"a%d" % k) for k in range(30)))
        assert len(first) == 30
        # Restart node 0 alone, then the whole cluster.
        await nodes[0].stop()
        nodes[0] = make(0)
        await nodes[0].start()
        await asyncio.gather(*(nodes[k % 3].submit(b"b%d" % k) for k in range(30)))
        for node in nodes:
            await node.stop()
        nodes = [make(i) for i in MEMBERS]
        for node in nodes:
            await node.start()
        await nodes[2].submit(b"c")
        await poll_until(
            lambda: asyncio.sleep(0, [n.stats()["applied_slot"] for n in nodes]),
            lambda slots: len(set(slots)) == 1,
            timeout=5,
        )
        entries = [n.machine.entries for n in nodes]  # type: ignore[attr-defined]
        assert entries[0] == entries[1] == entries[2]
        expected = {b"a%d" % k for k in range(30)} | {b"b%d" % k for k in range(30)} | {b"c"}
        assert sorted(entries[0]) == sorted(expected)  # every write once, none lost
        for node in nodes:
            await node.stop()

    asyncio.run(main())


def test_machines_that_want_time_get_the_logs_clock() -> None:
    class Clocked(Log):
        def apply_at(self, command: bytes, log_time: int) -> bytes:
            self.entries.append(b"%d" % log_time)
            return b"%d" % log_time

    async def main() -> None:
        network = MemoryNetwork()
        nodes = [
            Node(NodeConfig(i, MEMBERS), Clocked(), transport=MemoryTransport(network, i, MEMBERS))
            for i in MEMBERS
        ]
        for node in nodes:
            await node.start()
        times = [int(await nodes[k % 3].submit(b"t")) for k in range(6)]
        assert times == sorted(times) and times[0] > 1_600_000_000_000_000  # microseconds
        await poll_until(
            lambda: asyncio.sleep(0, [n.stats()["applied_slot"] for n in nodes]),
            lambda slots: len(set(slots)) == 1,
            timeout=5,
        )
        entries = [n.machine.entries for n in nodes]  # type: ignore[attr-defined]
        assert entries[0] == entries[1] == entries[2]  # the same clock on every replica
        for node in nodes:
            await node.stop()

    asyncio.run(main())


def test_a_node_whose_batch_was_decided_inside_a_snapshot_proposes_again() -> None:
    """Found by the nemesis suite: node 2 proposes, is cut off before it learns the
    decision, and catches up by installing a snapshot that contains it. Its batcher
    must not keep waiting for that batch (it would never propose again)."""
    from rabia.core.messages import Message, Proposal

    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        heard: set[int] = set()

        def spy(i: int) -> None:
            transport = nodes[i].transport
            assert isinstance(transport, MemoryTransport) and transport._deliver is not None
            deliver = transport._deliver

            def on_message(message: Message) -> None:
                deliver(message)
                if type(message) is Proposal and message.sender == 2 and len(heard) < 2:
                    heard.add(i)
                    if len(heard) == 2:
                        network.isolate(2)  # both peers hold its batch; 2 hears nothing more

            transport._deliver = on_message

        spy(0)
        spy(1)
        pending = asyncio.ensure_future(nodes[2].submit(b"x", timeout=30))
        for k in range(40):  # one slot each: the peers snapshot and compact past x
            await nodes[k % 2].submit(b"y%d" % k)
        assert b"x" in nodes[0].machine.entries  # type: ignore[attr-defined]
        assert b"x" not in nodes[2].machine.entries  # type: ignore[attr-defined]
        network.heal()
        assert int(await pending) >= 1  # answered from the snapshot it installs
        assert nodes[2].stats()["snapshots_installed"] >= 1
        assert await nodes[2].submit(b"after", timeout=5)

    run_cluster(body, snapshot_every=8)


def test_a_state_larger_than_a_frame_reaches_a_lagging_node_in_chunks(
    tmp_path: object,
) -> None:
    """ADR 0011 over real TCP: with frames capped at 64 KiB, a node that missed writes
    totalling ~1 MiB of state catches up by a snapshot pulled in 16 KiB chunks."""
    from pathlib import Path

    ports = free_ports(3)
    members = {i: f"127.0.0.1:{ports[i]}" for i in range(3)}
    root = Path(str(tmp_path))

    def make(i: int) -> Node:
        config = NodeConfig(
            i,
            members,
            max_frame=64 * 1024,
            max_command_bytes=8192,
            snapshot_every=8,
            data_dir=root / f"d{i}",
        )
        return Node(config, Log())

    async def main() -> None:
        nodes = [make(i) for i in members]
        for node in nodes:
            await node.start()
        for node in nodes:
            await node.wait_for_quorum(timeout=10)
        await nodes[2].stop()
        for node in nodes[:2]:  # a first dial may have been refused: wait for its retry
            await node.wait_for_quorum(timeout=10)
        value = b"v" * 2000
        for start in range(0, 500, 50):  # ~1 MB of state, snapshots every 8 slots
            await asyncio.gather(
                *(nodes[k % 2].submit(value + b"%d" % k) for k in range(start, start + 50))
            )
        snap = nodes[0].snapshot
        assert snap is not None and len(snap.app_state) > 10 * 64 * 1024
        nodes[2] = make(2)
        await nodes[2].start()
        await nodes[2].wait_for_quorum(timeout=10)
        await nodes[0].submit(b"after")
        await poll_until(
            lambda: asyncio.sleep(0, [n.stats()["applied_slot"] for n in nodes]),
            lambda slots: len(set(slots)) == 1,
            timeout=20,
        )
        lagger = nodes[2]
        assert lagger.stats()["snapshots_installed"] >= 1
        entries = [n.machine.entries for n in nodes]  # type: ignore[attr-defined]
        assert entries[0] == entries[1] == entries[2]
        assert len(entries[2]) == 501
        for node in nodes:
            await node.stop()

    asyncio.run(main())


def test_members_snapshot_once_per_interval_and_out_of_phase() -> None:
    """Every ``snapshot_every`` slots, on a grid shifted by the node's rank: the members
    never all pause for ``StateMachine.snapshot()`` at once."""

    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        for k in range(120):
            await nodes[k % 3].submit(b"s%d" % k)
        await poll_until(
            lambda: asyncio.sleep(0, [n.stats()["applied_slot"] for n in nodes]),
            lambda slots: len(set(slots)) == 1,
            timeout=5,
        )
        stats = [n.stats() for n in nodes]
        slots = stats[0]["next_slot"]
        assert slots >= 120
        for s in stats:
            assert slots // 12 - 2 <= s["snapshots_taken"] <= slots // 12 + 1, s
        assert len({s["snapshot_slot"] % 12 for s in stats}) == 3  # one phase per node
        assert all(s["next_slot"] - s["log_start"] < 2 * 12 + 12 for s in stats)

    run_cluster(body, snapshot_every=12)


def test_a_node_bound_behind_a_forwarder_is_reached_at_its_advertised_address() -> None:
    async def main() -> None:
        advertised, bound, one, two = free_ports(4)
        members = {0: f"127.0.0.1:{advertised}", 1: f"127.0.0.1:{one}", 2: f"127.0.0.1:{two}"}
        proxy = LinkProxy(("127.0.0.1", advertised), target=("127.0.0.1", bound))  # a NAT
        await proxy.start()
        configs = [
            NodeConfig(0, members, bind_address=f"127.0.0.1:{bound}"),
            NodeConfig(1, members),
            NodeConfig(2, members),
        ]
        nodes = [Node(config, Log()) for config in configs]
        for node in nodes:
            await node.start()
        try:
            await poll_until(
                lambda: asyncio.sleep(0, [0 in n.transport.connected() for n in nodes[1:]]),
                lambda up: all(up),
                timeout=10,
                what="peers linked to node 0 through its advertised address",
            )
            await poll_until(  # and node 0 to them (a loaded machine may lag here)
                lambda: asyncio.sleep(0, len(nodes[0].transport.connected())),
                lambda linked: linked == 2,
                timeout=10,
                what="node 0 linked to its peers",
            )
            assert await nodes[0].submit(b"hello", timeout=10) == b"1"
        finally:
            for node in nodes:
                await node.stop()
            await proxy.close()

    asyncio.run(main())


def test_a_read_sees_every_write_acknowledged_before_it_without_a_log_entry() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        network.isolate(2)
        for k in range(5):
            await nodes[0].submit(b"w%d" % k)
        network.heal()
        await peers_until(nodes[2], lambda peers: len(peers) == 2)
        lagging = nodes[2].stats()["applied_slot"]
        assert await nodes[2].read(b"len") == b"5", "2 waits until it applied the writes"
        assert lagging < nodes[2].stats()["applied_slot"]
        applied = [n.stats()["applied_slot"] for n in nodes]
        reads = await asyncio.gather(*(nodes[k % 3].read(b"len") for k in range(30)))
        assert reads == [b"5"] * 30
        assert [n.stats()["applied_slot"] for n in nodes] == applied, "reads add no slot"
        stats = [n.stats() for n in nodes]
        assert sum(s["reads_released"] for s in stats) == 31
        assert sum(s["barriers"] for s in stats) < 31, "waiting reads share a barrier"
        with pytest.raises(Rejected, match="NotImplementedError"):
            await nodes[1].read(b"unknown")

    run_cluster(body)


def test_a_read_without_a_quorum_fails_and_stop_ends_waiting_reads() -> None:
    async def body(nodes: list[Node], network: MemoryNetwork) -> None:
        pending = asyncio.ensure_future(nodes[2].read(b"len", timeout=0.2))
        await asyncio.sleep(0)  # the read took its ticket; its BARRIER is still queued
        network.isolate(2)
        with pytest.raises(Timeout):
            await pending
        await peers_until(nodes[2], lambda peers: not peers)
        with pytest.raises(Unavailable):
            await nodes[2].read(b"len")
        network.heal()
        await peers_until(nodes[0], lambda peers: len(peers) == 2)
        network.isolate(1)
        network.isolate(2)
        stuck = asyncio.ensure_future(nodes[0].read(b"len"))
        await asyncio.sleep(0)
        await nodes[0].stop()
        with pytest.raises(Unavailable):
            await stuck

    run_cluster(body)
