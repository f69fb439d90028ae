from __future__ import annotations

import asyncio

from rabia.objects.batteries import ReplSet
from tests.objects.batteries.direct import direct, restored


def test_add_discard_report_change_and_queries_answer() -> None:
    async def main() -> None:
        s, channel = direct(ReplSet)
        assert await s.add("b") is True
        assert await s.add("a") is True
        assert await s.add("b") is False
        assert await s.contains("a") is True
        assert await s.contains("c") is False
        assert await s.members() == ["a", "b"]
        assert await s.len() == 2
        assert await s.discard("a") is True
        assert await s.discard("a") is False
        assert await s.members() == ["b"]
        assert restored(channel.machine).snapshot() == channel.machine.snapshot()

    asyncio.run(main())
