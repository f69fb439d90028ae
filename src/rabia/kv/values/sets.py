"""The set value: distinct members, packed while small (``packed``), else a dict."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

from rabia.kv.resp import parse_int
from rabia.kv.values import register
from rabia.kv.values.base import TypedValue
from rabia.kv.values.packed import (
    EMPTY,
    Table,
    decode_elements,
    encode_elements,
    fits,
    pack,
    unpack,
)

INTSET_ENTRIES = 512
"""Redis's default ``set-max-intset-entries``."""


@register
class SetValue(TypedValue):
    """A Redis set; members keep their insertion order."""

    __slots__ = ("_data",)

    TYPE: ClassVar[bytes] = b"set"
    ENCODING: ClassVar[bytes] = b"hashtable"

    def __init__(self, members: Iterable[bytes] = ()) -> None:
        super().__init__()
        self._data: bytes | Table = EMPTY
        self.add_all(members)

    def __len__(self) -> int:
        data = self._data
        return data[0] if isinstance(data, bytes) else len(data)

    def __contains__(self, member: object) -> bool:
        data = self._data
        if isinstance(data, Table):
            return member in data
        if not isinstance(member, bytes) or member not in data:
            return False
        return member in unpack(data)

    def add_all(self, members: Iterable[bytes]) -> int:
        """Add ``members``; how many were new."""
        data = self._data
        if isinstance(data, Table):
            before = len(data)
            for member in members:
                data.setdefault(member, b"")
            if len(data) != before:
                data.scan_order = None
            return len(data) - before
        elements = unpack(data)
        present = set(elements)
        added = 0
        for member in members:
            if member not in present:
                present.add(member)
                elements.append(member)
                added += 1
        if added:
            self._store(elements)
        return added

    def add(self, member: bytes) -> bool:
        """Add ``member``; True when it was new."""
        return self.add_all((member,)) == 1

    def remove_all(self, members: Iterable[bytes]) -> int:
        """Remove ``members``; how many were there."""
        data = self._data
        if isinstance(data, Table):
            before = len(data)
            for member in members:
                data.pop(member, None)
            if len(data) != before:
                data.scan_order = None
            return before - len(data)
        gone = {m for m in members if m in data}  # substring pre-test
        if not gone:
            return 0
        elements = unpack(data)
        kept = [m for m in elements if m not in gone]
        if len(kept) != len(elements):
            self._store(kept)
        return len(elements) - len(kept)

    def remove(self, member: bytes) -> bool:
        """Remove ``member``; True when it was there."""
        return self.remove_all((member,)) == 1

    def _store(self, members: list[bytes]) -> None:
        if fits(members, len(members)):
            self._data = pack(members, len(members))
        else:
            self._data = Table(dict.fromkeys(members, b""))

    def members(self) -> list[bytes]:
        """Every member, in order."""
        data = self._data
        return unpack(data) if isinstance(data, bytes) else list(data)

    def table(self) -> Table | None:
        """The dict form, or None while packed (SCAN returns a packed set at once)."""
        data = self._data
        return None if isinstance(data, bytes) else data

    def encoding(self) -> bytes:
        """What Redis 7.0's ``OBJECT ENCODING`` would say for this content (``intset`` for
        up to 512 integers; Redis keeps ``hashtable`` once converted)."""
        if len(self) > INTSET_ENTRIES:
            return b"hashtable"
        ints = all(parse_int(m) is not None for m in self.members())
        return b"intset" if ints else b"hashtable"

    def encode(self) -> bytes:
        return encode_elements(self.members())

    @classmethod
    def decode(cls, data: bytes) -> Self:
        members = decode_elements(data)
        value = cls()
        value._data = (
            (pack(members, len(members)) if members else EMPTY)
            if fits(members, len(members))
            else Table(dict.fromkeys(members, b""))
        )
        if len(value) != len(members) or len(set(members)) != len(members):
            raise ValueError("a set in a snapshot repeats a member")
        return value

    def copy(self) -> Self:
        twin = type(self)()
        data = self._data
        twin._data = data if isinstance(data, bytes) else Table(data)
        return twin
