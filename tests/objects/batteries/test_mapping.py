from __future__ import annotations

import asyncio

import pytest

from rabia.objects import BadCall
from rabia.objects.batteries import ReplDict
from rabia.runtime.loader import load_machine
from tests.objects.batteries.direct import direct, restored


def test_set_get_pop_keys_len() -> None:
    async def main() -> None:
        d, channel = direct(ReplDict)
        assert await d.set("b", b"1") is None
        assert await d.set("a", b"2") is None
        assert await d.set("b", b"3") == b"1"
        assert await d.get("b") == b"3"
        assert await d.get("zz") is None
        assert await d.keys() == ["a", "b"]
        assert await d.len() == 2
        assert await d.pop("a") == b"2"
        assert await d.pop("a") is None
        assert await d.keys() == ["b"]
        assert (channel.commands, channel.reads) == (5, 5)

    asyncio.run(main())


def test_compare_and_set_covers_absent_and_removal() -> None:
    async def main() -> None:
        d, _ = direct(ReplDict)
        assert await d.compare_and_set("k", b"x", b"y") is False
        assert await d.get("k") is None
        assert await d.compare_and_set("k", None, b"v1") is True
        assert await d.compare_and_set("k", None, b"v2") is False
        assert await d.compare_and_set("k", b"v1", b"v2") is True
        assert await d.get("k") == b"v2"
        assert await d.compare_and_set("k", b"v2", None) is True
        assert await d.len() == 0

    asyncio.run(main())


def test_values_are_validated_and_state_survives_a_snapshot() -> None:
    async def main() -> None:
        d, channel = direct(ReplDict)
        with pytest.raises(BadCall, match="set: argument `value`: Encoding objects of type object"):
            await d.set("k", object())  # not encodable: refused before the log
        assert channel.commands == 0
        await d.set("k", b"v")
        copy = restored(channel.machine)
        assert isinstance(copy, ReplDict)
        assert copy.items == {"k": b"v"}

    asyncio.run(main())


def test_values_of_any_encodable_type_come_back_as_messagepack_types() -> None:
    async def main() -> None:
        d, channel = direct(ReplDict)
        values = {"s": "text", "i": 7, "f": 2.5, "b": b"\x00", "l": [1, "x"], "m": {"a": [1]}}
        for key, value in values.items():
            await d.set(key, value)
        await d.set("t", (1, 2))
        assert await d.get("t") == [1, 2]  # a tuple comes back as a list
        assert {key: await d.get(key) for key in values} == values
        assert await d.compare_and_set("l", [1, "x"], {"n": None}) is True
        assert await d.get("l") == {"n": None}
        assert restored(channel.machine).items == channel.machine.items  # type: ignore[attr-defined]

    asyncio.run(main())


def test_a_parametrized_dict_is_a_proxy_of_the_same_class() -> None:
    async def main() -> None:
        prices, channel = direct(ReplDict[float])
        assert type(channel.machine) is ReplDict
        assert await prices.set("tea", 2.5) is None
        assert await prices.get("tea") == 2.5

    asyncio.run(main())


def test_served_by_rabia_node_machine_path() -> None:
    for name in ("ReplDict", "ReplCounter", "ReplSet", "ReplQueue", "ReplLockManager"):
        machine = load_machine(f"rabia.objects.batteries:{name}")
        assert type(machine).__name__ == name
