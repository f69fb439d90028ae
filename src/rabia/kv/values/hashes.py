"""The hash value: field -> value, packed while small (``packed``), else a dict."""

from __future__ import annotations

from typing import ClassVar, Self

from rabia.kv.values import register
from rabia.kv.values.base import TypedValue
from rabia.kv.values.packed import (
    EMPTY,
    PACKED_ELEMENT,
    PACKED_ENTRIES,
    Table,
    decode_elements,
    encode_elements,
    fits,
    pack,
    unpack,
)

LISTPACK_ENTRIES = 128
LISTPACK_VALUE = 64
"""Redis's default ``hash-max-listpack-entries`` and ``hash-max-listpack-value``."""


@register
class HashValue(TypedValue):
    """A Redis hash; fields keep their insertion order."""

    __slots__ = ("_data",)

    TYPE: ClassVar[bytes] = b"hash"
    ENCODING: ClassVar[bytes] = b"hashtable"

    def __init__(self) -> None:
        super().__init__()
        self._data: bytes | Table = EMPTY

    def __len__(self) -> int:
        data = self._data
        return data[0] if isinstance(data, bytes) else len(data)

    def get(self, field: bytes) -> bytes | None:
        """The value of ``field``, if any."""
        data = self._data
        if isinstance(data, Table):
            return data.get(field)
        if field not in data:  # a substring test in C: most misses end here
            return None
        elements = unpack(data)
        for i in range(0, len(elements), 2):
            if elements[i] == field:
                return elements[i + 1]
        return None

    def set(self, field: bytes, value: bytes) -> bool:
        """Set ``field`` to ``value``; True when the field is new."""
        data = self._data
        if isinstance(data, Table):
            new = field not in data
            data[field] = value
            if new:
                data.scan_order = None
            return new
        elements = unpack(data)
        count = data[0]
        for i in range(0, len(elements), 2):
            if elements[i] == field:
                elements[i + 1] = value
                break
        else:
            elements += (field, value)
            count += 1
        if count <= PACKED_ENTRIES and len(field) <= PACKED_ELEMENT >= len(value):
            self._data = pack(elements, count)
        else:
            self._data = Table(dict(zip(elements[0::2], elements[1::2], strict=True)))
        return count > data[0]

    def delete(self, field: bytes) -> bool:
        """Remove ``field``; False when it was not there."""
        data = self._data
        if isinstance(data, Table):
            if field not in data:
                return False
            del data[field]
            data.scan_order = None
            return True
        if field not in data:
            return False
        elements = unpack(data)
        for i in range(0, len(elements), 2):
            if elements[i] == field:
                del elements[i : i + 2]
                self._data = pack(elements, data[0] - 1)
                return True
        return False

    def flat(self) -> list[bytes]:
        """Field, value, field, value... in order."""
        data = self._data
        if isinstance(data, bytes):
            return unpack(data)
        return [x for pair in data.items() for x in pair]

    def fields(self) -> list[bytes]:
        data = self._data
        return unpack(data)[0::2] if isinstance(data, bytes) else list(data)

    def values(self) -> list[bytes]:
        data = self._data
        return unpack(data)[1::2] if isinstance(data, bytes) else list(data.values())

    def table(self) -> Table | None:
        """The dict form, or None while packed (SCAN returns a packed hash at once)."""
        data = self._data
        return None if isinstance(data, bytes) else data

    def encoding(self) -> bytes:
        """What Redis's ``OBJECT ENCODING`` would say for this content (``listpack`` while
        small; Redis keeps ``hashtable`` once converted, even if the hash shrinks)."""
        if len(self) > LISTPACK_ENTRIES:
            return b"hashtable"
        small = all(len(x) <= LISTPACK_VALUE for x in self.flat())
        return b"listpack" if small else b"hashtable"

    def encode(self) -> bytes:
        return encode_elements(self.flat())

    @classmethod
    def decode(cls, data: bytes) -> Self:
        elements = decode_elements(data)
        if len(elements) % 2:
            raise ValueError("a hash in a snapshot has a field without a value")
        value = cls()
        value.load(elements)
        return value

    def load(self, elements: list[bytes]) -> None:
        """Replace the content by the field, value... ``elements`` (distinct fields)."""
        count = len(elements) // 2
        if len(set(elements[0::2])) != count:
            raise ValueError("a hash in a snapshot repeats a field")
        if fits(elements, count):
            self._data = pack(elements, count) if count else EMPTY
        else:
            self._data = Table(dict(zip(elements[0::2], elements[1::2], strict=True)))

    def copy(self) -> Self:
        twin = type(self)()
        data = self._data
        twin._data = data if isinstance(data, bytes) else Table(data)
        return twin
