"""Stand-ins for the value types other modules implement (lists, sets, sorted sets,
hashes), with just what the commands of this folder read of them: their TYPE, SORT's
interface (``sort_elements``, ``sort_field``, ``from_elements``) and ``copy``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import msgspec

from rabia.kv.values import TypedValue
from tests.kv.conftest import Driver


class Elements(TypedValue):
    """A value holding a sequence of elements (in the type's own order)."""

    __slots__ = ("items",)
    TYPE = b"fake"
    ENCODING = b"listpack"

    def __init__(self, items: Sequence[bytes] = ()) -> None:
        super().__init__()
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def sort_elements(self) -> Sequence[bytes]:
        return self.items

    def encode(self) -> bytes:
        return msgspec.msgpack.encode(self.items)

    @classmethod
    def decode(cls, data: bytes) -> Self:
        return cls(msgspec.msgpack.decode(data, type=list[bytes]))

    @classmethod
    def from_elements(cls, items: list[bytes]) -> Self:
        return cls(items)


class FakeList(Elements):
    __slots__ = ()
    TYPE = b"list"


class FakeSet(Elements):
    __slots__ = ()
    TYPE = b"set"


class FakeZSet(Elements):
    __slots__ = ()
    TYPE = b"zset"


class FakeHash(Elements):
    """Items are field, value, field, value..."""

    __slots__ = ()
    TYPE = b"hash"

    def sort_field(self, field: bytes) -> bytes | None:
        pairs = dict(zip(self.items[::2], self.items[1::2], strict=True))
        return pairs.get(field)


def put(r: Driver, key: str, value: TypedValue) -> None:
    """Store a typed value under ``key`` in the driver's machine."""
    r.m._context.keyspace.put_value(key.encode(), value)
