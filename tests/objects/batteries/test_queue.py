from __future__ import annotations

import asyncio

import msgspec

from rabia.objects import local
from rabia.objects.batteries import AppliedSignal, ReplQueue, blocking_get
from tests.objects.batteries.direct import direct, restored
from tests.support import poll_until, tcp_nodes


def test_fifo_positions_and_empty() -> None:
    async def main() -> None:
        queue, channel = direct(ReplQueue)
        assert await queue.get_nowait() is None
        assert [await queue.put(bytes([i])) for i in range(3)] == [0, 1, 2]
        assert await queue.len() == 3
        assert await queue.get_nowait() == b"\x00"
        assert await queue.put(b"\x03") == 3  # positions count taken elements too
        copy = restored(channel.machine)
        assert isinstance(copy, ReplQueue)
        assert (copy.items[copy.head :], copy.taken) == ([b"\x01", b"\x02", b"\x03"], 1)
        assert [await queue.get_nowait() for _ in range(4)] == [b"\x01", b"\x02", b"\x03", None]
        assert await queue.len() == 0

    asyncio.run(main())


def test_taking_is_fifo_and_keeps_no_long_tail() -> None:
    queue: ReplQueue[bytes] = ReplQueue()
    out: list[int] = []
    for round_ in range(200):
        for i in range(round_ % 7):
            queue.items.append(bytes([i]))  # as put() does, without a log
        for _ in range(round_ % 5):
            taken = ReplQueue.get_nowait.__wrapped__(queue)  # type: ignore[attr-defined]
            if taken is not None:
                out.append(taken[0])
        assert len(queue.items) <= 2 * (len(queue.items) - queue.head) + 1
    expected = [i for r in range(200) for i in range(r % 7)]
    assert out == expected[: len(out)]
    assert queue.taken == len(out)


def test_a_snapshot_from_before_the_head_field_loads() -> None:
    old = msgspec.msgpack.encode({"items": [b"a", b"b"], "taken": 4})
    queue: ReplQueue[bytes] = ReplQueue()
    queue.restore(old)
    assert (queue.items, queue.head, queue.taken) == ([b"a", b"b"], 0, 4)
    assert ReplQueue.len.__wrapped__(queue) == 2  # type: ignore[attr-defined]


def test_blocking_get_waits_with_back_off_then_takes_once() -> None:
    async def main() -> None:
        queue, channel = direct(ReplQueue)
        assert await blocking_get(queue, 0.05) is None
        looks = channel.reads
        assert 2 <= looks <= 10, looks  # backed off: a few looks, not a busy loop
        assert channel.commands == 0  # nothing taken from an empty queue

        async def later() -> None:  # once the getter found the queue empty again
            await poll_until(lambda: asyncio.sleep(0, channel.reads), looks.__lt__, timeout=5)
            await queue.put(b"late")

        putter = asyncio.create_task(later())
        assert await blocking_get(queue, 5.0) == b"late"
        await putter
        assert channel.commands == 2  # the put and one get_nowait

    asyncio.run(main())


def test_competing_blocking_getters_each_get_a_different_element() -> None:
    async def main() -> None:
        queue, _ = direct(ReplQueue)
        getters = [asyncio.create_task(blocking_get(queue, 5.0)) for _ in range(4)]
        for i in range(4):
            await queue.put(b"e%d" % i)
        got = await asyncio.gather(*getters)
        assert sorted(g for g in got if g is not None) == [b"e0", b"e1", b"e2", b"e3"]

    asyncio.run(main())


def test_embedded_blocking_get_wakes_on_applied_slots() -> None:
    async def main() -> None:
        async with tcp_nodes(ReplQueue) as nodes:
            queues = [local(ReplQueue, node) for node in nodes]
            wake = AppliedSignal(nodes[0])
            # max_delay far above the test's bound: only the signal can wake it in time
            getter = asyncio.create_task(blocking_get(queues[0], 10.0, wake=wake, max_delay=60))
            released = nodes[0].stats()["reads_released"]
            await poll_until(  # the getter's first look (a barrier read) found it empty
                lambda: asyncio.sleep(0, nodes[0].stats()["reads_released"]),
                released.__lt__,
                timeout=5,
            )
            assert not getter.done()
            await queues[1].put(b"hello")
            assert await asyncio.wait_for(getter, 5.0) == b"hello"
            assert await queues[2].len() == 0
            slots: list[int] = []
            unsubscribe = nodes[0].on_applied(slots.append)
            await queues[0].put(b"a")  # answered once node 0 applied it
            assert slots
            unsubscribe()
            wake.close()
            wake.close()  # idempotent
            seen = len(slots)
            await queues[0].put(b"b")
            assert len(slots) == seen  # no call after unsubscribing

    asyncio.run(main())


def test_elements_of_any_encodable_type_and_a_parametrized_queue() -> None:
    async def main() -> None:
        jobs, channel = direct(ReplQueue[dict[str, int]])
        assert type(channel.machine) is ReplQueue
        await jobs.put({"id": 1})
        await jobs.put({"id": 2})
        assert await blocking_get(jobs, 1.0) == {"id": 1}
        copy = restored(channel.machine)
        assert isinstance(copy, ReplQueue)
        assert copy.items[copy.head :] == [{"id": 2}]
        assert await jobs.get_nowait() == {"id": 2}

    asyncio.run(main())
