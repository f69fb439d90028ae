from __future__ import annotations

import asyncio

import pytest

from rabia.objects import BadCall
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


def test_integer_elements_sort_before_strings_and_other_types_are_refused() -> None:
    async def main() -> None:
        s, channel = direct(ReplSet[int])
        assert type(channel.machine) is ReplSet
        for element in (10, 2, 2):
            await s.add(element)
        assert await s.members() == [2, 10]
        mixed, _ = direct(ReplSet)
        for element in ("b", 3, "a", -1):
            await mixed.add(element)
        assert await mixed.members() == [-1, 3, "a", "b"]
        assert await mixed.contains(3) and not await mixed.contains("3")
        for wrong in ([1], 2.5, True, b"x"):
            with pytest.raises(BadCall, match="add: "):
                await mixed.add(wrong)  # type: ignore[arg-type]
        assert await mixed.len() == 4
        copy = restored(channel.machine)
        assert isinstance(copy, ReplSet) and copy.elements == {10: None, 2: None}

    asyncio.run(main())
