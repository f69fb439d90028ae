"""Declared state: snapshots by attribute name, defaults, schema evolution."""

from __future__ import annotations

from typing import ClassVar

import msgspec
import pytest

from rabia.objects import Replicated, command


class V1(Replicated):
    name: str = "v1"
    items: list[int] = []
    limits: ClassVar[int] = 3  # not state

    @command
    async def add(self, item: int) -> int:
        self.items.append(item)
        return len(self.items)


class V2(Replicated):
    """V1 with a field added (with a default) and one removed."""

    items: list[int] = []
    tags: dict[str, str] = msgspec.field(default_factory=lambda: {"new": "yes"})


class Required(Replicated):
    size: int

    def __init__(self, size: int = 4) -> None:
        super().__init__()
        self.size = size


def test_defaults_are_fresh_per_object() -> None:
    a, b = V1(), V1()
    a.items.append(1)
    assert b.items == [] and V1.items == []


def test_snapshot_and_restore_round_trip_the_declared_attributes_only() -> None:
    a = V1()
    a.items = [1, 2]
    a.name = "renamed"
    b = V1()
    b.restore(a.snapshot())
    assert (b.items, b.name) == ([1, 2], "renamed")
    assert set(msgspec.msgpack.decode(a.snapshot())) == {"name", "items"}


def test_an_added_field_with_a_default_loads_old_snapshots() -> None:
    old = V1()
    old.items = [7]
    new = V2()
    new.tags = {}
    new.restore(old.snapshot())
    assert new.items == [7] and new.tags == {"new": "yes"}


def test_a_required_field_must_be_in_the_snapshot_and_set_by_init() -> None:
    assert Required().size == 4
    with pytest.raises(msgspec.ValidationError, match="missing required field `size`"):
        Required().restore(msgspec.msgpack.encode({}))


def test_an_unset_declared_attribute_is_named() -> None:
    broken = Required()
    del broken.size
    with pytest.raises(AttributeError, match="declared state not set"):
        broken.snapshot()
