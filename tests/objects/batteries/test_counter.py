from __future__ import annotations

import asyncio

from rabia.objects.batteries import ReplCounter
from tests.objects.batteries.direct import direct, restored


def test_add_get_compare_and_set_reset() -> None:
    async def main() -> None:
        counter, channel = direct(ReplCounter)
        assert await counter.add() == 1
        assert await counter.add(10) == 11
        assert await counter.add(-3) == 8
        assert await counter.get() == 8
        assert await counter.compare_and_set(7, 100) is False
        assert await counter.compare_and_set(8, 100) is True
        assert await counter.get() == 100
        assert restored(channel.machine).snapshot() == channel.machine.snapshot()
        assert await counter.reset() == 100
        assert await counter.get() == 0

    asyncio.run(main())
