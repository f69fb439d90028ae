"""The compact form of small hashes and sets, and the snapshot codec they share.

A CPython ``bytes`` object costs 33 bytes plus its content and a dict entry about 40, so
a 10-field hash held as a dict of bytes takes about 1.4 KB where Redis's listpack takes
about 250 bytes. Small collections are therefore one ``bytes`` blob: a count byte, then
each element as a length byte and its bytes (Redis's listpack idea). A collection leaves
this form for a dict once it holds more than ``PACKED_ENTRIES`` entries or an element
longer than ``PACKED_ELEMENT`` bytes, and does not come back (as in Redis); a snapshot
restores the form that fits the content.

Both forms keep the elements in insertion order (a replaced hash value keeps its place,
a removed element closes the gap), which is the order of every reply that lists them;
snapshots store that order, so a restored replica answers exactly as the others.
"""

from __future__ import annotations

import msgspec

PACKED_ENTRIES = 64
"""Most entries (hash fields, set members) of a packed collection."""
PACKED_ELEMENT = 64
"""Longest element (field, value, member) a packed collection holds, in bytes."""

EMPTY = b"\x00"
"""The packed form of nothing."""


def unpack(blob: bytes) -> list[bytes]:
    """Every element of a packed blob, in order."""
    out: list[bytes] = []
    append = out.append
    pos, end = 1, len(blob)
    while pos < end:
        size = blob[pos]
        pos += 1
        append(blob[pos : pos + size])
        pos += size
    return out


def pack(elements: list[bytes], entries: int) -> bytes:
    """The blob of ``elements`` making ``entries`` entries (every element <=
    ``PACKED_ELEMENT`` bytes, ``entries`` <= ``PACKED_ENTRIES``)."""
    parts = [bytes((entries,))]
    for element in elements:
        parts.append(bytes((len(element),)))
        parts.append(element)
    return b"".join(parts)


def fits(elements: list[bytes], entries: int) -> bool:
    """Whether the packed form can hold ``elements``."""
    return entries <= PACKED_ENTRIES and all(len(e) <= PACKED_ELEMENT for e in elements)


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(list[bytes]).decode


def encode_elements(elements: list[bytes]) -> bytes:
    """Snapshot bytes of a collection's elements, in its order."""
    return _encode(elements)


def decode_elements(data: bytes) -> list[bytes]:
    """The elements ``encode_elements`` wrote; ``ValueError`` on malformed bytes."""
    try:
        return _decode(data)
    except msgspec.DecodeError as exc:
        raise ValueError(f"malformed collection in snapshot: {exc}") from None


class Table(dict[bytes, bytes]):
    """The dict form of a large collection (a set's members map to ``b""``), with the
    SCAN order cached until an element is added or removed (``rabia.kv.elements``)."""

    __slots__ = ("scan_order",)

    def __init__(self, items: dict[bytes, bytes] | None = None) -> None:
        super().__init__(items or {})
        self.scan_order: list[bytes] | None = None
